package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/tourniquet/tourniquet/bot"
	"github.com/tourniquet/tourniquet/incident"
)

// reply shows an engine reply privately to the user who clicked or
// submitted: through the interaction's response URL when there is one,
// else with chat.postEphemeral. It is best effort, after the answer; the
// command itself is already recorded. A response URL is a secret: it is
// never logged.
func (a *Adapter) reply(ctx context.Context, responseURL, channel string, user incident.Actor, r bot.Reply) {
	body := ephemeral(r)
	if body == nil {
		return
	}
	if responseURL != "" {
		err := a.postResponseURL(ctx, responseURL, body)
		if err == nil {
			return
		}
		a.log.WarnContext(ctx, "could not answer through the response URL; trying chat.postEphemeral", "channel", channel, "err", err)
	}
	if channel == "" || user.Platform != Platform {
		return
	}
	if err := a.Ephemeral(ctx, channel, user, r.Message); err != nil {
		a.log.WarnContext(ctx, "could not show the reply", "channel", channel, "user", user.ID, "err", err)
	}
}

// postResponseURL sends an ephemeral message to a response URL. Its
// errors never contain the URL.
func (a *Adapter) postResponseURL(ctx context.Context, responseURL string, body *messageBody) error {
	no := false
	msg := *body
	msg.ReplaceOriginal = &no
	buf, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(buf))
	if err != nil {
		return fmt.Errorf("bad response URL") // the parse error quotes it
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("post to response URL: %w", sanitize(err))
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("post to response URL: %s", res.Status)
	}
	return nil
}
