package argocd

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

var _ actiontype.Verifier = (*Client)(nil)

// appState is the part of an application Verify reads.
type appState struct {
	Status struct {
		Sync struct {
			Status   string `json:"status"`
			Revision string `json:"revision"`
		} `json:"sync"`
		Health struct {
			Status string `json:"status"`
		} `json:"health"`
		OperationState *struct {
			Phase     string `json:"phase"`
			Operation struct {
				Sync *struct {
					Revision string `json:"revision"`
				} `json:"sync"`
			} `json:"operation"`
			SyncResult *struct {
				Revision string `json:"revision"`
			} `json:"syncResult"`
		} `json:"operationState"`
	} `json:"status"`
}

// Verify looks at the application once: a rollback took effect when its
// last operation Succeeded at the revision rolled back to (the revision
// param, or the one the rollback asked for) and the application is
// Healthy; a Progressing application is looked at again. After a
// rollback Argo CD reports the application OutOfSync with Git (it runs
// what Git does not say): the sync status is reported, not required. An
// undo (a sync to Git) took effect when the application is Synced and
// Healthy.
func (c *Client) Verify(ctx context.Context, req actiontype.Request, _ actiontype.Result) (actiontype.Effect, error) {
	name := spec.Pick(req.Params, "application", "")
	ns := spec.Pick(req.Params, "app_namespace", c.cfg.AppNamespace)
	var query url.Values
	if ns != "" {
		query = url.Values{"appNamespace": {ns}}
	}
	var app appState
	if _, err := c.http.Do(ctx, httpx.Request{Path: []string{"api", "v1", "applications", name}, Query: query, Out: &app,
		What: "application " + name}); err != nil {
		return actiontype.Effect{}, err
	}
	st := app.Status
	health, sync := st.Health.Status, st.Sync.Status
	if req.Undo {
		seen := fmt.Sprintf("application %s is %s and %s at revision %s", name, sync, health, short(st.Sync.Revision))
		return actiontype.Effect{Effective: sync == "Synced" && health == "Healthy", Seen: c.http.Scrub(seen)}, nil
	}
	op := st.OperationState
	if op == nil || op.SyncResult == nil {
		return actiontype.Effect{Seen: c.http.Scrub(fmt.Sprintf("application %s is %s and %s; no operation has finished yet", name, sync, health))}, nil
	}
	want := req.Params["revision"]
	if want == "" && op.Operation.Sync != nil {
		want = op.Operation.Sync.Revision
	}
	at := op.SyncResult.Revision
	seen := fmt.Sprintf("application %s is %s, its last operation %s at revision %s (sync status %s)", name, health, op.Phase, short(at), sync)
	ok := health == "Healthy" && op.Phase == "Succeeded" && want != "" && sameRevision(at, want)
	return actiontype.Effect{Effective: ok, Seen: c.http.Scrub(seen)}, nil
}

// deploymentOf is the latest entry of h deployed from revision want (a
// commit ID, a prefix of one of at least 7 characters, or a tag).
func deploymentOf(h []History, want string) (History, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		revs := h[i].Revisions
		if h[i].Revision != "" {
			revs = []string{h[i].Revision}
		}
		for _, r := range revs {
			if sameRevision(r, want) {
				return h[i], true
			}
		}
	}
	return History{}, false
}

// sameRevision compares a full revision with a wanted one, which may be a
// commit ID's prefix of at least 7 characters.
func sameRevision(full, want string) bool {
	return full == want || (len(want) >= 7 && strings.HasPrefix(full, want))
}

func short(rev string) string {
	if sha.MatchString(rev) {
		return rev[:7]
	}
	return rev
}
