package changes

import (
	"net/http"

	"github.com/tourniquet/tourniquet/incident"
)

// ArgoCDBody is the body the Argo CD notifications template of
// docs/changes.md sends when an application was synced:
//
//	{"app": "{{.app.metadata.name}}",
//	 "service": "{{index .app.metadata.labels \"service\"}}",
//	 "revision": "{{.app.status.sync.revision}}",
//	 "previous_revision": "{{(index .app.status.history (sub (len .app.status.history) 2)).revision}}",
//	 "by": "{{.app.status.operationState.operation.initiatedBy.username}}",
//	 "at": "{{.app.status.operationState.finishedAt}}",
//	 "id": "{{.app.metadata.name}}/{{.app.status.operationState.finishedAt}}",
//	 "link": "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}"}
type ArgoCDBody struct {
	App              string `json:"app"`
	Service          string `json:"service"`
	Revision         string `json:"revision"`
	PreviousRevision string `json:"previous_revision"`
	By               string `json:"by"`
	At               string `json:"at"`
	ID               string `json:"id"`
	Link             string `json:"link"`
}

// argoCD is POST /changes/argocd, an Argo CD notifications webhook with
// Authorization: Bearer <changes.argocd_token>: a deploy of the service
// (the app's name when the template gives none).
func (in *Intake) argoCD(w http.ResponseWriter, r *http.Request) {
	body, err := in.body(w, r)
	if err != nil {
		in.refuseBody(w, err)
		return
	}
	var b ArgoCDBody
	if err := decodeStrict(body, &b); err != nil {
		problem(w, http.StatusBadRequest, "the body is not the Argo CD template of docs/changes.md: "+err.Error())
		return
	}
	g := Body{Service: first(b.Service, b.App), Kind: string(incident.ChangeDeploy), Version: b.Revision,
		PreviousVersion: b.PreviousRevision, By: b.By, At: b.At, Link: b.Link, Source: "argocd", ExternalID: b.ID}
	c, err := g.Change()
	if err != nil {
		problem(w, http.StatusUnprocessableEntity, "at: want an RFC 3339 time")
		return
	}
	c.Version, c.PreviousVersion = shortSHA40(c.Version), shortSHA40(c.PreviousVersion)
	in.record(w, r, c)
}

// shortSHA40 shortens a full Git commit ID, and leaves a tag alone.
func shortSHA40(rev string) string {
	if len(rev) == 40 {
		return rev[:7]
	}
	return rev
}
