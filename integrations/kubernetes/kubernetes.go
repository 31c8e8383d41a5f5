package kubernetes

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/actiontype"
	"github.com/tourniquet/tourniquet/config"
	"github.com/tourniquet/tourniquet/integrations/kit/httpx"
	"github.com/tourniquet/tourniquet/integrations/kit/spec"
)

// Type is the integration type in the configuration.
const Type = "kubernetes"

// System names Kubernetes in messages.
const System = "Kubernetes"

// DefaultServiceAccountDir is where a pod's service account is mounted.
const DefaultServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// Option adjusts the client (base URL, timeout, HTTP client, clock).
type Option = httpx.Option

// Config is the integration's configuration.
type Config struct {
	// Server is the API server's URL (in-cluster: from the environment).
	Server string
	// Token is a bearer token; in-cluster without one, the service
	// account's token is read at every call.
	Token config.Secret
	// CA is the API server's CA certificate, PEM ("" trusts the system's
	// roots; in-cluster: the service account's ca.crt).
	CA string
	// InCluster uses the pod's service account.
	InCluster bool
	// ServiceAccountDir replaces DefaultServiceAccountDir (tests).
	ServiceAccountDir string
	// Namespace is the default namespace for actions (in-cluster: the
	// pod's).
	Namespace string
	// Timeout bounds each HTTP call (httpx.DefaultTimeout when 0).
	Timeout time.Duration
}

var parser = spec.Parser[Config]{
	Type:     Type,
	Settings: []string{"server", "in_cluster", "namespace", "timeout"},
	// ca (inline PEM) and ca_file, whose content lands in Secrets["ca"]
	// like any *_file key.
	Secrets: []string{"token", "ca"},
	Parse:   parse,
}

// Descriptor describes the integration type to wiring (cmd/internal/app): the
// checks of its settings, the action params it accepts, and its client.
var Descriptor = spec.Descriptor{Type: Type, Validate: Validate, Params: Params, New: spec.Constructor(New)}

// Validate checks the integration's settings for check-config.
func Validate(in config.Integration) []config.Problem { return parser.Validate(in) }

func parse(c *spec.Checker, in config.Integration) Config {
	cfg := Config{
		Server: c.URL("server"),
		Token:  in.Secret("token"),
		CA:     in.Secret("ca").Reveal(), // from ca_file

		InCluster: c.Bool("in_cluster", false),
		Namespace: in.Get("namespace"),
		Timeout:   c.Duration("timeout", 0),
	}
	if cfg.CA == "" {
		cfg.CA = in.Get("ca") // inline PEM
	}
	if !cfg.InCluster {
		c.Required("server", "the API server's URL (or in_cluster: true)")
		c.RequiredSecret("token", "a bearer token (or in_cluster: true)")
	}
	if cfg.CA != "" {
		if !x509.NewCertPool().AppendCertsFromPEM([]byte(cfg.CA)) {
			c.Add("ca", "holds no PEM certificate")
		}
	}
	return cfg
}

// Params are the action params the integration accepts: deployment always;
// namespace unless the integration sets it or runs in-cluster.
func Params(in config.Integration) spec.Params {
	inCluster, _ := spec.ParseBool(in.Get("in_cluster"), false)
	return paramSpec(in.Get("namespace") != "" || inCluster)
}

func paramSpec(haveNamespace bool) spec.Params {
	return spec.Params{List: []spec.Param{
		{Name: "deployment", Required: true, Doc: "the Deployment's name"},
		{Name: "namespace", Required: !haveNamespace, Doc: "the Deployment's namespace"},
	}}
}

// Client rolls Deployments back. It satisfies actiontype.Integration.
type Client struct {
	name      string
	cfg       Config
	http      *httpx.Client
	tokenFile string // read at every call when set
	// stream makes the long-lived watch requests (watch.go), with the
	// same TLS as http but no per-call timeout.
	stream *http.Client
}

var _ actiontype.Integration = (*Client)(nil)

// New returns the client for the integration named name.
func New(name string, in config.Integration, opts ...Option) (*Client, error) {
	return spec.Build(parser, NewClient, name, in, opts...)
}

// NewClient returns a client for cfg. In-cluster, it reads the server from
// the environment and the CA and namespace from the service account.
func NewClient(name string, cfg Config, opts ...Option) (*Client, error) {
	c := &Client{name: name, cfg: cfg}
	if cfg.InCluster {
		dir := cfg.ServiceAccountDir
		if dir == "" {
			dir = DefaultServiceAccountDir
		}
		if cfg.Server == "" {
			host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
			if host == "" || port == "" {
				return nil, errors.New("kubernetes: in_cluster is set but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not: not running in a pod")
			}
			c.cfg.Server = "https://" + net.JoinHostPort(host, port)
		}
		if cfg.CA == "" {
			b, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
			if err != nil {
				return nil, fmt.Errorf("kubernetes: reading the service account's CA: %w", err)
			}
			c.cfg.CA = string(b)
		}
		if cfg.Namespace == "" {
			if b, err := os.ReadFile(filepath.Join(dir, "namespace")); err == nil {
				c.cfg.Namespace = strings.TrimSpace(string(b))
			}
		}
		if !cfg.Token.IsSet() {
			c.tokenFile = filepath.Join(dir, "token")
		}
	}
	o := httpx.Apply(httpx.Options{BaseURL: c.cfg.Server, Timeout: cfg.Timeout}, opts...)
	if o.HTTPClient == nil && c.cfg.CA != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.cfg.CA)) {
			return nil, errors.New("kubernetes: the CA holds no PEM certificate")
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		o.HTTPClient = &http.Client{Transport: tr}
	}
	hc, err := httpx.New(httpx.Config{
		System:     System,
		Options:    o,
		Token:      cfg.Token.Reveal(), // "" in-cluster without one: each call reads tokenFile
		AuthScheme: "Bearer",
		AuthHint:   "check the token and its RBAC: get and patch deployments, list replicasets",
	})
	if err != nil {
		return nil, err
	}
	c.http = hc
	c.stream = o.HTTPClient
	if c.stream == nil {
		c.stream = &http.Client{}
	}
	return c, nil
}

// Name returns the integration's name.
func (c *Client) Name() string { return c.name }

// auth returns the per-call Authorization header and secret when the token
// is read from the service account (it rotates).
func (c *Client) auth() (http.Header, []string, error) {
	if c.tokenFile == "" {
		return nil, nil, nil
	}
	b, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return nil, nil, c.http.Fail("cannot read the service account token: %v", err)
	}
	tok := strings.TrimSpace(string(b))
	return http.Header{"Authorization": {"Bearer " + tok}}, []string{tok}, nil
}
