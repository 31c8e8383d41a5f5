package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/tourniquet/tourniquet/config"
)

// Directory answers whether a Slack user still exists (users.info, not
// deleted), for readiness: is anyone allowed to run an action still
// employed? It is read-only and needs only the bot token's users:read.
type Directory struct{ api *slack.Client }

// NewDirectory returns a directory on the Slack Web API at apiURL.
func NewDirectory(apiURL string, token config.Secret, hc *http.Client) *Directory {
	if hc == nil {
		hc = &http.Client{}
	}
	c := *hc
	c.Transport = newBearerTransport(hc.Transport, apiURL)
	return &Directory{api: slack.New(token.Reveal(), slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(&c))}
}

// UserExists reports whether user id exists and is not deactivated.
func (d *Directory) UserExists(ctx context.Context, id string) (bool, error) {
	u, err := d.api.GetUserInfoContext(ctx, id)
	var se slack.SlackErrorResponse
	switch {
	case errors.As(err, &se) && se.Err == "user_not_found", err != nil && err.Error() == "user_not_found":
		return false, nil
	case err != nil:
		return false, fmt.Errorf("slack users.info: %w", err)
	}
	return !u.Deleted, nil
}
