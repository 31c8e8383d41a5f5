package loadgen

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// BoltVersion is the @slack/bolt release the comparison installs.
const BoltVersion = "5.1.0"

// boltApp is the minimal Bolt for JavaScript app the comparison runs:
// the HTTP receiver, ack() first, then one chat.postMessage to the
// channel (declare opens a channel and posts in it, as Setup expects);
// a button click is acknowledged, then answered on its response URL.
// Nothing is durable: what is acknowledged lives in memory only.
const boltApp = `'use strict';
const { App, LogLevel } = require('@slack/bolt');
const [host, port] = process.env.TOURNIQUET_LISTEN.split(':');
const app = new App({
  token: process.env.TOURNIQUET_SLACK_BOT_TOKEN,
  signingSecret: process.env.TOURNIQUET_SLACK_SIGNING_SECRET,
  clientOptions: { slackApiUrl: process.env.TOURNIQUET_SLACK_API_URL },
  endpoints: ['/slack/commands', '/slack/interactions', '/slack/events'],
  tokenVerificationEnabled: false,
  botId: 'B0LOADBOLT', botUserId: 'U0LOADBOLT', // known: no auth.test per request
  logLevel: LogLevel.ERROR,
  customRoutes: [{ path: '/readyz', method: ['GET'], handler: (req, res) => { res.writeHead(200); res.end('ok'); } }],
});
let declared = 0;
app.command('/incident', async ({ command, ack, client }) => {
  await ack();
  const text = command.text || '';
  if (text.startsWith('declare ')) {
    declared++;
    const slug = text.split(/\s+/).slice(2).join('-').toLowerCase();
    const r = await client.conversations.create({ name: ('inc-' + declared + '-' + slug).slice(0, 80) });
    await client.chat.postMessage({ channel: r.channel.id, text: 'card' });
    return;
  }
  await client.chat.postMessage({ channel: command.channel_id, text });
});
app.action(/.*/, async ({ ack, respond }) => {
  await ack();
  await respond({ text: 'status', response_type: 'ephemeral', replace_original: false });
});
app.start({ port: Number(port), host }).then(() => console.error('bolt listening on ' + host + ':' + port));
`

// InstallBolt writes the Bolt app into dir and installs the pinned
// @slack/bolt there from the npm registry; it returns the app's path.
func InstallBolt(ctx context.Context, dir string) (string, error) {
	pkg := `{"name":"tourniquet-bench-bolt","private":true,"version":"0.0.0"}`
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(pkg), 0o644); err != nil {
		return "", fmt.Errorf("install bolt: %w", err)
	}
	app := filepath.Join(dir, "app.js")
	if err := os.WriteFile(app, []byte(boltApp), 0o644); err != nil {
		return "", fmt.Errorf("install bolt: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
		"--save-exact", "@slack/bolt@"+BoltVersion)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install @slack/bolt@%s: %w\n%s", BoltVersion, err, out)
	}
	return app, nil
}
