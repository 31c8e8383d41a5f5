package postmortem

import (
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	r := NewRedactor([]string{"hunter2-configured-secret", "ab"})
	in := "token xoxb-1234-5678-abcdefgh and hunter2-configured-secret, Bearer abc.def.ghi123, " +
		"https://hooks.slack.com/actions/T1/B2/xyz postgres://u:pw@db/x https://t/incidents/INC-7?exp=1&sig=AbC_123 ab"
	out := r(in)
	for _, bad := range []string{"xoxb-1234", "hunter2", "abc.def", "hooks.slack.com", ":pw@", "AbC_123"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q survived: %s", bad, out)
		}
	}
	if !strings.HasSuffix(out, " ab") {
		t.Errorf("short values are not treated as secrets: %s", out)
	}
}
