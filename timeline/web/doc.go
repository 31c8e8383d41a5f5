// Package web serves the reports people read in a browser and the JSON
// API: the incident list (GET /incidents), one incident's page with its
// chart and timeline (/incidents/{key}, and its Markdown export at
// /incidents/{key}/report.md), the reports over months (/reports), and
// /api/v1/incidents and /api/v1/incidents/{key}/timeline. It decides who
// may see them (Access: the API token, links signed by a Signer, open
// local mode), makes the signed links the bot posts (Links), draws the SVG
// charts, and keeps large timelines in an EventCache between reads.
//
// The report itself (the export, its analysis, the Markdown) is
// timeline's; web reads incidents and events from the store through the
// small interfaces it declares (Reader, Loader, EventLister) and renders
// them. It may import timeline, incident, config, storage (for its filter
// and error types) and the leaf utilities under internal/; never the chat
// engine (bot), an adapter, a feature package nor the composition root.
package web
