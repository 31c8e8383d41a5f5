package changes

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/internal/retry"
)

// Rollout is a Deployment as a watch reports it.
type Rollout struct {
	Namespace, Name string
	Labels          map[string]string
	// Revision is its deployment.kubernetes.io/revision.
	Revision string
	// Images are its pod template's container images.
	Images []string
}

// WatchFunc lists the Deployments of a namespace (listed true), then
// reports each one added or modified, until ctx ends (nil) or the watch
// breaks (an error). The Kubernetes integration's WatchDeployments,
// adapted by the composition root.
type WatchFunc func(ctx context.Context, namespace string, fn func(r Rollout, listed bool)) error

// Recorder records changes (the store).
type Recorder interface {
	RecordChange(ctx context.Context, c *incident.Change) (bool, error)
}

// KubeWatchOptions configure a KubeWatch.
type KubeWatchOptions struct {
	Watch      WatchFunc
	Namespaces []string
	Store      Recorder
	Clock      clock.Clock
	Logger     *slog.Logger
	// Retry is the wait between broken watches (default
	// retry.Reconnect).
	Retry retry.Policy
}

// KubeWatch records a deploy each time a Deployment in one of the
// namespaces rolls out a new revision: the service is its
// app.kubernetes.io/name label (else app, else its name), the version the
// tag of its first image, the previous version the one before. The first
// list of each namespace is the baseline, not news; a revision that
// changed while the watch was down is recorded at the next list. The
// revision deduplicates, so replicas watching together record it once.
type KubeWatch struct{ o KubeWatchOptions }

// NewKubeWatch returns the watch with defaults filled in.
func NewKubeWatch(o KubeWatchOptions) *KubeWatch {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Retry.First == 0 {
		o.Retry = retry.Reconnect
	}
	return &KubeWatch{o: o}
}

// Run watches every namespace until ctx is done.
func (k *KubeWatch) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, ns := range k.o.Namespaces {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k.watch(ctx, ns)
		}()
	}
	wg.Wait()
	return nil
}

func (k *KubeWatch) watch(ctx context.Context, ns string) {
	seen := map[string]Rollout{}
	_ = retry.Do(ctx, k.o.Retry, func(reset func()) error {
		err := k.o.Watch(ctx, ns, func(r Rollout, listed bool) {
			reset()
			prev, ok := seen[r.Name]
			seen[r.Name] = r
			if ok && r.Revision != "" && r.Revision != prev.Revision {
				k.record(ctx, r, prev)
			}
		})
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = errWatchEnded
		}
		return err
	}, func(err error, next time.Duration) {
		k.o.Logger.WarnContext(ctx, "kubernetes watch broke; watching again", "namespace", ns, "err", err, "in", next)
	})
}

var errWatchEnded = errorString("the watch ended")

// record records the rollout of r, which replaced prev.
func (k *KubeWatch) record(ctx context.Context, r, prev Rollout) {
	svc := first(r.Labels["app.kubernetes.io/name"], r.Labels["app"], r.Name)
	c := incident.Change{Service: svc, Kind: incident.ChangeDeploy, Version: imageTag(r.Images), PreviousVersion: imageTag(prev.Images),
		Source: "kubernetes", ExternalID: r.Namespace + "/" + r.Name + "/" + r.Revision, At: k.o.Clock.Now(), RecordedAt: k.o.Clock.Now()}
	if c.Version == c.PreviousVersion {
		c.Version, c.PreviousVersion = "revision "+r.Revision, "revision "+prev.Revision
	}
	c, err := incident.ParseChange(c)
	if err != nil {
		k.o.Logger.WarnContext(ctx, "a rollout could not be recorded as a change", "deployment", r.Namespace+"/"+r.Name, "err", err)
		return
	}
	err = retry.Do(ctx, retry.Policy{First: 200 * time.Millisecond, Longest: 5 * time.Second, Tries: 8}, func(func()) error {
		_, err := k.o.Store.RecordChange(ctx, &c)
		return err
	}, nil)
	if err != nil {
		k.o.Logger.ErrorContext(ctx, "recording a rollout", "deployment", r.Namespace+"/"+r.Name, "err", err)
	}
}

// imageTag is what a rollout deployed: the first image's tag ("v42" of
// ghcr.io/acme/web:v42), or the image itself when it has no tag.
func imageTag(images []string) string {
	if len(images) == 0 {
		return ""
	}
	img := images[0]
	if at := strings.LastIndex(img, "@"); at >= 0 {
		return img[at+1:]
	}
	if i := strings.LastIndex(img, ":"); i > strings.LastIndex(img, "/") {
		return img[i+1:]
	}
	return img
}
