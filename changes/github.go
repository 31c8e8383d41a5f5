package changes

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/tourniquet/tourniquet/incident"
)

// githubDeploymentStatus is the part of a deployment_status event read.
type githubDeploymentStatus struct {
	DeploymentStatus struct {
		State     string    `json:"state"`
		TargetURL string    `json:"target_url"`
		LogURL    string    `json:"log_url"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"deployment_status"`
	Deployment struct {
		ID          int64  `json:"id"`
		Ref         string `json:"ref"`
		SHA         string `json:"sha"`
		Environment string `json:"environment"`
		// Payload is what the deployment was created with; a
		// "service" and a "previous_version" there are used.
		Payload json.RawMessage `json:"payload"`
		Creator struct {
			Login string `json:"login"`
		} `json:"creator"`
	} `json:"deployment"`
	Repository githubRepo `json:"repository"`
}

// githubWorkflowRun is the part of a workflow_run event read.
type githubWorkflowRun struct {
	Action      string `json:"action"`
	WorkflowRun struct {
		ID         int64     `json:"id"`
		Name       string    `json:"name"`
		HeadSHA    string    `json:"head_sha"`
		HeadBranch string    `json:"head_branch"`
		Conclusion string    `json:"conclusion"`
		HTMLURL    string    `json:"html_url"`
		UpdatedAt  time.Time `json:"updated_at"`
		Actor      struct {
			Login string `json:"login"`
		} `json:"actor"`
	} `json:"workflow_run"`
	Repository githubRepo `json:"repository"`
}

type githubRepo struct {
	Name    string `json:"name"`
	HTMLURL string `json:"html_url"`
}

// github is POST /changes/github, a GitHub webhook (content type
// application/json). X-Hub-Signature-256 ("sha256=" + hex HMAC-SHA256 of
// the body with the webhook's secret) is checked first; X-GitHub-Delivery
// deduplicates redeliveries. A successful deployment_status and a
// workflow_run completed with success are recorded as deploys of the
// service named by ?service= (else the deployment payload's "service",
// else the repository's name); every other event is acknowledged and
// ignored.
func (in *Intake) github(w http.ResponseWriter, r *http.Request) {
	body, ok := in.readSigned(w, r, in.o.GitHubSecret, "X-Hub-Signature-256", "sha256=")
	if !ok {
		return
	}
	delivery := r.Header.Get("X-GitHub-Delivery")
	c := incident.Change{Kind: incident.ChangeDeploy, Source: "github", ExternalID: delivery}
	switch ev := r.Header.Get("X-GitHub-Event"); ev {
	case "ping":
		ignore(w, "ping")
		return
	case "deployment_status":
		var p githubDeploymentStatus
		if err := json.Unmarshal(body, &p); err != nil {
			problem(w, http.StatusBadRequest, "the body is not a deployment_status event")
			return
		}
		if p.DeploymentStatus.State != "success" {
			ignore(w, "deployment state "+incident.CleanText(p.DeploymentStatus.State, incident.SingleLine))
			return
		}
		var payload struct {
			Service         string `json:"service"`
			PreviousVersion string `json:"previous_version"`
		}
		_ = json.Unmarshal(p.Deployment.Payload, &payload) // a payload is optional and may be a string
		c.Service = first(r.URL.Query().Get("service"), payload.Service, p.Repository.Name)
		c.Version = first(p.Deployment.Ref, shortSHA(p.Deployment.SHA))
		c.PreviousVersion = payload.PreviousVersion
		c.By = p.Deployment.Creator.Login
		c.At = p.DeploymentStatus.CreatedAt
		c.Link = first(p.DeploymentStatus.TargetURL, p.DeploymentStatus.LogURL, p.Repository.HTMLURL)
	case "workflow_run":
		var p githubWorkflowRun
		if err := json.Unmarshal(body, &p); err != nil {
			problem(w, http.StatusBadRequest, "the body is not a workflow_run event")
			return
		}
		if p.Action != "completed" || p.WorkflowRun.Conclusion != "success" {
			ignore(w, "workflow run not completed with success")
			return
		}
		c.Service = first(r.URL.Query().Get("service"), p.Repository.Name)
		c.Version = shortSHA(p.WorkflowRun.HeadSHA)
		c.By = p.WorkflowRun.Actor.Login
		c.At = p.WorkflowRun.UpdatedAt
		c.Link = p.WorkflowRun.HTMLURL
	default:
		ignore(w, "event "+incident.CleanText(ev, incident.SingleLine))
		return
	}
	in.record(w, r, c)
}

// first is the first non-empty string.
func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
