package exec

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"

	"github.com/tourniquet/tourniquet/actiontype"
)

var _ actiontype.Preflighter = (*Client)(nil)

// Preflight checks that the program exists and is executable (looked up
// in PATH when it has no slash, relative to dir otherwise) and that the
// action gives every param the command needs. It runs nothing.
func (c *Client) Preflight(_ context.Context, req actiontype.Request) error {
	if p := c.cfg.params().Missing(req.Params); len(p) > 0 {
		return c.fail(false, "action param %s", p[0])
	}
	prog := c.cfg.Program
	if !strings.Contains(prog, "/") {
		if _, err := osexec.LookPath(prog); err != nil {
			return c.fail(false, "program %s is not found in PATH", prog)
		}
		return nil
	}
	if !filepath.IsAbs(prog) && c.cfg.Dir != "" {
		prog = filepath.Join(c.cfg.Dir, prog)
	}
	fi, err := os.Stat(prog)
	switch {
	case err != nil:
		return c.fail(false, "program %s does not exist", c.cfg.Program)
	case fi.IsDir():
		return c.fail(false, "program %s is a directory", c.cfg.Program)
	case fi.Mode().Perm()&0o111 == 0:
		return c.fail(false, "program %s is not executable", c.cfg.Program)
	}
	return nil
}
