package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
)

// DeploymentState is what a watch reports of a Deployment.
type DeploymentState struct {
	Namespace string
	Name      string
	Labels    map[string]string
	// Revision is its deployment.kubernetes.io/revision: it grows by one
	// at each rollout of a new template.
	Revision string
	// Images are its pod template's container images, in order.
	Images []string
	// ChangeCause is its kubernetes.io/change-cause annotation, if any.
	ChangeCause string
}

// ErrWatchExpired is returned by WatchDeployments when the API server
// answers 410 Gone (the resource version is too old): list again.
var ErrWatchExpired = errors.New("kubernetes: the watch's resource version expired")

// deploymentObject is the part of a Deployment a watch reads.
type deploymentObject struct {
	Metadata struct {
		Name            string            `json:"name"`
		Namespace       string            `json:"namespace"`
		ResourceVersion string            `json:"resourceVersion"`
		Labels          map[string]string `json:"labels"`
		Annotations     map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Template struct {
			Spec struct {
				Containers []struct {
					Image string `json:"image"`
				} `json:"containers"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

func (d deploymentObject) state() DeploymentState {
	s := DeploymentState{Namespace: d.Metadata.Namespace, Name: d.Metadata.Name, Labels: d.Metadata.Labels,
		Revision: d.Metadata.Annotations[RevisionAnnotation], ChangeCause: d.Metadata.Annotations["kubernetes.io/change-cause"]}
	for _, c := range d.Spec.Template.Spec.Containers {
		s.Images = append(s.Images, c.Image)
	}
	return s
}

// watchEvent is one line of a watch stream.
type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// WatchDeployments lists the Deployments of namespace ns and calls fn with
// each (listed true), then watches them from the list's resource version
// and calls fn with each one added or modified, until ctx ends (nil) or
// the stream breaks (an error; ErrWatchExpired when the API server says
// the version is too old). It speaks the API server's watch protocol:
//
//	GET /apis/apps/v1/namespaces/{ns}/deployments
//	GET /apis/apps/v1/namespaces/{ns}/deployments?watch=1&resourceVersion=…&allowWatchBookmarks=true
//
// the second answered with a chunked stream of {"type": ADDED | MODIFIED |
// DELETED | BOOKMARK | ERROR, "object": …} objects. The service account
// needs list and watch on deployments.
func (c *Client) WatchDeployments(ctx context.Context, ns string, fn func(d DeploymentState, listed bool)) error {
	header, secrets, err := c.auth()
	if err != nil {
		return err
	}
	path := []string{"apis", "apps", "v1", "namespaces", ns, "deployments"}
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []deploymentObject `json:"items"`
	}
	if _, err := c.http.Do(ctx, httpx.Request{Path: path, Header: header, Secrets: secrets, Out: &list,
		What: "deployments in " + ns}); err != nil {
		return err
	}
	for _, d := range list.Items {
		fn(d.state(), true)
	}
	rv := list.Metadata.ResourceVersion
	for {
		next, err := c.watchOnce(ctx, path, rv, fn)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		rv = next // the server ended the watch (its timeout): go on from where it was
	}
}

// watchOnce runs one watch request from rv and returns the last resource
// version seen when the server ends it.
func (c *Client) watchOnce(ctx context.Context, path []string, rv string, fn func(DeploymentState, bool)) (string, error) {
	u, err := httpx.Join(c.http.BaseURL(), false, path...)
	if err != nil {
		return rv, err
	}
	u.RawQuery = url.Values{"watch": {"1"}, "resourceVersion": {rv}, "allowWatchBookmarks": {"true"},
		"timeoutSeconds": {"300"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return rv, err
	}
	req.Header.Set("Accept", "application/json")
	if tok, err := c.bearer(); err != nil {
		return rv, err
	} else if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.stream.Do(req)
	if err != nil {
		return rv, fmt.Errorf("kubernetes: watch deployments: %s", c.http.Scrub(err.Error()))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusGone:
		return rv, ErrWatchExpired
	case resp.StatusCode != http.StatusOK:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return rv, fmt.Errorf("kubernetes: watch deployments answered %d: %s", resp.StatusCode, c.http.Scrub(strings.TrimSpace(string(b))))
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var ev watchEvent
		if err := dec.Decode(&ev); err != nil {
			if errors.Is(err, io.EOF) {
				return rv, nil
			}
			return rv, fmt.Errorf("kubernetes: reading the watch: %w", err)
		}
		switch ev.Type {
		case "ERROR":
			var st struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal(ev.Object, &st)
			if st.Code == http.StatusGone {
				return rv, ErrWatchExpired
			}
			return rv, fmt.Errorf("kubernetes: the watch failed (%d): %s", st.Code, c.http.Scrub(st.Message))
		case "ADDED", "MODIFIED", "BOOKMARK":
			var d deploymentObject
			if err := json.Unmarshal(ev.Object, &d); err != nil {
				return rv, fmt.Errorf("kubernetes: a watch event is not a deployment: %w", err)
			}
			if d.Metadata.ResourceVersion != "" {
				rv = d.Metadata.ResourceVersion
			}
			if ev.Type != "BOOKMARK" {
				fn(d.state(), false)
			}
		}
	}
}

// bearer is the token of a call: the configured one, or the service
// account's, read now (it rotates).
func (c *Client) bearer() (string, error) {
	if c.tokenFile == "" {
		return c.cfg.Token.Reveal(), nil
	}
	h, _, err := c.auth()
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(h.Get("Authorization"), "Bearer "), nil
}
