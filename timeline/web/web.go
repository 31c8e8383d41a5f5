package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/tourniquet/tourniquet/incident"
	"github.com/tourniquet/tourniquet/internal/clock"
	"github.com/tourniquet/tourniquet/storage"
	"github.com/tourniquet/tourniquet/timeline"
)

// The page templates and the stylesheet, beside the code that fills them.
//
//go:embed *.html style.css
var webFS embed.FS

// Reader is what the pages and the API read from the store.
type Reader interface {
	Loader
	ListIncidents(ctx context.Context, f storage.IncidentFilter) ([]*incident.Incident, error)
	CountIncidents(ctx context.Context, f storage.IncidentFilter) (int, error)
}

// Options configure the pages and the JSON API.
type Options struct {
	Store  Reader
	Clock  clock.Clock
	Access Access
	Logger *slog.Logger
	// Listen is the listen address, named by the open-mode banner.
	Listen string
	// PageSize is how many incidents a list page shows (default 50).
	PageSize int
	// MaxEvents caps the events listed on an incident page (default
	// 10000); the exports always have all of them.
	MaxEvents int
	// CacheEvents is how many events of large incidents (1,000 events or
	// more) are kept between reads (default 50,000; negative: none).
	CacheEvents int
	// Cache, if set, is used instead (share it with the postmortem worker,
	// through its Lister, so that the link a draft posts opens warm).
	Cache *EventCache
	// FollowUps, if set, reads the follow-ups the incident page and the
	// report show.
	FollowUps FollowUpReader
	// SignIn, if set, adds OpenID Connect sign-in under /auth/: a page
	// request that is not allowed is sent there instead of a bare 401.
	SignIn *OIDCOptions
	// Readiness, if set, serves GET /readiness (docs/readiness.md).
	Readiness ReadinessFunc
	// ChangeWindow is how long before impact started a change is told in
	// the report, as on the card (changes.window; default
	// timeline.DefaultChangeWindow).
	ChangeWindow time.Duration
}

// Site serves the report pages (GET /incidents, /incidents/{key},
// /reports) and the JSON API (GET /api/v1/incidents,
// /api/v1/incidents/{key}/timeline).
type Site struct {
	o     Options
	cache *EventCache
	pages map[string]*template.Template
	css   template.CSS
	csp   string
	bufs  sync.Pool
	// signin is the OpenID Connect flow, nil without one.
	signin *signin
}

// New parses the page templates.
func New(o Options) (*Site, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	if o.MaxEvents <= 0 {
		o.MaxEvents = 10000
	}
	if o.CacheEvents == 0 {
		o.CacheEvents = 50000
	}
	css, err := webFS.ReadFile("style.css")
	if err != nil {
		return nil, fmt.Errorf("read stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	w := &Site{
		o:     o,
		pages: map[string]*template.Template{},
		css:   template.CSS(css),
		csp: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
	switch {
	case o.Cache != nil:
		w.cache = o.Cache
	case o.CacheEvents > 0:
		w.cache = NewEventCache(o.CacheEvents, DefaultCacheMinEvents)
	}
	if o.SignIn != nil {
		si, err := newSignin(*o.SignIn, w)
		if err != nil {
			return nil, err
		}
		w.signin = si
		w.o.Access.signIn = true
		w.o.Access.Users = append(w.o.Access.Users, UserSource{Auth: si, Policy: o.SignIn.Policy})
	}
	for _, name := range []string{"list", "incident", "reports", "error", "changes", "signin", "readiness"} {
		t, err := template.New(name).ParseFS(webFS, "layout.html", name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s page: %w", name, err)
		}
		w.pages[name] = t
	}
	return w, nil
}

// Register mounts the pages and the API on mux.
func (w *Site) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /incidents", w.listPage)
	mux.HandleFunc("GET /incidents/{key}", w.incidentPage)
	mux.HandleFunc("GET /incidents/{key}/report.md", w.markdown)
	mux.HandleFunc("GET /reports", w.reportsPage)
	mux.HandleFunc("GET /changes", w.changesPage)
	mux.HandleFunc("GET /readiness", w.readinessPage)
	mux.HandleFunc("GET /api/v1/incidents", w.apiList)
	mux.HandleFunc("GET /api/v1/incidents/{key}/timeline", w.apiTimeline)
	if w.signin != nil {
		w.signin.register(mux)
	}
}

// page is what every page's layout needs.
type page struct {
	Title     string
	CSS       template.CSS
	Nav       bool
	Active    string
	OpenMode  bool
	Listen    string
	Generated string
	// User is who signed in ("" for none); SignOut offers the button.
	User    string
	SignOut bool
}

func (w *Site) newPage(g grant, title, active string, now time.Time) page {
	p := page{Title: title, CSS: w.css, Nav: g.all, Active: active, OpenMode: g.open, Listen: w.o.Listen,
		Generated: now.UTC().Format(timeline.LayoutFull)}
	if g.user != nil {
		p.User = g.user.Display()
		p.SignOut = w.signin != nil
	}
	return p
}

func (w *Site) headers(rw http.ResponseWriter, contentType string) {
	h := rw.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", w.csp)
}

// render executes a page into a buffer first, so that a template error is
// a clean 500 rather than half a page.
func (w *Site) render(rw http.ResponseWriter, r *http.Request, status int, name string, data any) {
	buf := w.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer w.bufs.Put(buf)
	if err := w.pages[name].ExecuteTemplate(buf, "layout", data); err != nil {
		w.o.Logger.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(rw, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.headers(rw, "text/html; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = rw.Write(buf.Bytes())
}

type errorPage struct {
	page
	Heading string
	Message string
}

func (w *Site) errorPage(rw http.ResponseWriter, r *http.Request, g grant, status int, heading, msg string) {
	p := errorPage{page: w.newPage(g, heading, "", w.o.Clock.Now()), Heading: heading, Message: msg}
	w.render(rw, r, status, "error", p)
}

// deny answers a refused page request: a bare 401, or a 403 that says the
// link is no good without saying anything about the incident.
func (w *Site) deny(rw http.ResponseWriter, r *http.Request, status int) {
	if status == signInStatus {
		w.headers(rw, "text/html; charset=utf-8")
		http.Redirect(rw, r, signinURL(r), http.StatusSeeOther)
		return
	}
	if status == http.StatusUnauthorized {
		unauthorized(rw)
		return
	}
	w.errorPage(rw, r, grant{}, http.StatusForbidden, "This link is not valid",
		"It has expired or was changed. Ask the bot for a fresh one: /incident timeline in the incident's channel.")
}

// storeError reports a failed read: logged with detail, shown without.
func (w *Site) storeError(rw http.ResponseWriter, r *http.Request, g grant, err error) {
	w.o.Logger.ErrorContext(r.Context(), "web: store read failed", "path", r.URL.Path, "err", err)
	w.errorPage(rw, r, g, http.StatusInternalServerError, "The database did not answer",
		"Tourniquet could not read the incidents just now. Try again in a moment.")
}

// withQuery appends a signed link's query to a path.
func withQuery(path, q string) string {
	if q == "" {
		return path
	}
	return path + "?" + q
}

// incidentKey resolves the {key} path value: the canonical key, and
// whether it is one.
func incidentKey(r *http.Request) (string, bool) {
	raw := r.PathValue("key")
	id, err := incident.ParseKey(raw)
	if err != nil {
		return raw, false
	}
	return incident.KeyFor(id), true
}

func (w *Site) incidentPage(rw http.ResponseWriter, r *http.Request) {
	now := w.o.Clock.Now()
	key, ok := incidentKey(r)
	g, status := w.o.Access.page(r, key, now)
	if status != 0 {
		w.deny(rw, r, status)
		return
	}
	if !ok {
		w.errorPage(rw, r, g, http.StatusNotFound, "No such incident", fmt.Sprintf("%q is not an incident key (want INC-7 or 7).", key))
		return
	}
	x, err := load(r.Context(), w.o.Store, w.cache, key, now, w.o.ChangeWindow)
	if errors.Is(err, ErrNoIncident) {
		w.errorPage(rw, r, g, http.StatusNotFound, "No such incident", "There is no incident "+key+".")
		return
	}
	if err == nil {
		x, err = w.probeSamples(r.Context(), x)
	}
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	if !seesIncident(g, key, x.Incident.Private) {
		w.errorPage(rw, r, g, http.StatusNotFound, "No such incident", "There is no incident "+key+".")
		return
	}
	v := w.incidentView(g, x, now, parseShow(r.URL.Query().Get("show")))
	items, err := w.followUps(r.Context(), key)
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	v.FollowUps = newFollowUpsView(items)
	// The template is rendered into a buffer first, so that an error is
	// a clean 500; the event table, most of the page, is then streamed
	// into its place as the page is sent (streamIncident).
	buf := w.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer w.bufs.Put(buf)
	err = w.pages["incident"].ExecuteTemplate(buf, "layout", v)
	head, tail, ok := splitAtEvents(buf.Bytes())
	if err != nil || !ok {
		w.o.Logger.ErrorContext(r.Context(), "render page", "page", "incident", "err", err, "events_marked_once", ok)
		http.Error(rw, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.headers(rw, "text/html; charset=utf-8")
	bw := bufio.NewWriterSize(rw, 64<<10)
	err = w.streamIncident(bw, head, tail, x, v.Show)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		w.o.Logger.DebugContext(r.Context(), "incident page not fully sent", "incident", key, "err", err)
	}
}

func (w *Site) markdown(rw http.ResponseWriter, r *http.Request) {
	now := w.o.Clock.Now()
	key, ok := incidentKey(r)
	g, status := w.o.Access.page(r, key, now)
	if status != 0 {
		w.deny(rw, r, status)
		return
	}
	if !ok {
		http.Error(rw, "not an incident key", http.StatusNotFound)
		return
	}
	x, err := load(r.Context(), w.o.Store, w.cache, key, now, w.o.ChangeWindow)
	if errors.Is(err, ErrNoIncident) {
		http.Error(rw, "no incident "+key, http.StatusNotFound)
		return
	}
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	if !seesIncident(g, key, x.Incident.Private) {
		http.Error(rw, "no incident "+key, http.StatusNotFound)
		return
	}
	items, err := w.followUps(r.Context(), key)
	if err != nil {
		w.storeError(rw, r, g, err)
		return
	}
	w.headers(rw, "text/markdown; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="`+key+`-postmortem.md"`)
	// Written in two pieces rather than joined: the report of a long
	// timeline is megabytes, and joining and converting copy it twice.
	if _, err := io.WriteString(rw, x.Markdown()); err == nil {
		_, _ = io.WriteString(rw, followUpsMarkdown(items, timeline.MarkdownEscape))
	}
}

// followUps reads the follow-ups of incident key; none without a reader.
func (w *Site) followUps(ctx context.Context, key string) ([]storage.FollowUp, error) {
	if w.o.FollowUps == nil {
		return nil, nil
	}
	id, err := incident.ParseKey(key)
	if err != nil {
		return nil, nil
	}
	items, err := w.o.FollowUps.ListFollowUps(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("follow-ups of %s: %w", key, err)
	}
	return items, nil
}

// rowLink returns how to link to an incident from a page seen through a
// signed link: each row signed with the same expiry.
func (w *Site) rowLink(g grant, r *http.Request) func(key string) string {
	if g.all || w.o.Access.Signer == nil {
		return func(key string) string { return "/incidents/" + url.PathEscape(key) }
	}
	n, _ := strconv.ParseInt(r.URL.Query().Get("exp"), 10, 64) // verified before
	e := time.Unix(n, 0)
	return func(key string) string {
		return "/incidents/" + url.PathEscape(key) + "?" + w.o.Access.Signer.Sign(key, e).Encode()
	}
}
