// Package deploy holds the deployment files (the compose files, the Helm
// chart, the Slack app manifests, the example configuration) and, in its
// tests, the checks that can run without Docker or Helm: every file
// parses, the chart renders with Helm's template language, refuses what
// it must refuse, and says what is true.
package deploy
