package timeline

// MarkdownEscape is how the report writes user text into Markdown: shown
// as written, never read as markup. Sections other packages add to the
// report (the follow-ups) use it too.
func MarkdownEscape(s string) string { return mdEscape(s) }
