// Package kubernetes rolls a Deployment back to its previous revision over
// the Kubernetes REST API, as "kubectl rollout undo deployment/<name>"
// does, without client-go.
//
// Configuration, with a token:
//
//	integrations:
//	  k8s:
//	    type: kubernetes
//	    server: https://k8s.example.com:6443   # the API server
//	    token_file: /run/secrets/k8s-token     # a bearer token (a service account's)
//	    ca_file: /run/secrets/k8s-ca.crt       # optional: the API server's CA (PEM)
//	    namespace: shop                        # optional: the default namespace for actions
//	    timeout: 10s                           # optional, per HTTP call
//
// or, running inside the cluster, with the pod's service account (the
// token, re-read at every call since it rotates, the CA and the namespace
// from /var/run/secrets/kubernetes.io/serviceaccount, the server from
// KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT):
//
//	integrations:
//	  k8s: {type: kubernetes, in_cluster: true}
//	actions:
//	  - id: rollback-web
//	    kind: rollback
//	    integration: k8s
//	    params: {deployment: web}              # also accepted: namespace
//
// The service account needs get and patch on deployments and list on
// replicasets in the namespace.
//
// # What it does
//
//  1. GET /apis/apps/v1/namespaces/{ns}/deployments/{name}; a paused
//     Deployment is refused, as kubectl refuses it.
//  2. GET /apis/apps/v1/namespaces/{ns}/replicasets?labelSelector=<the
//     Deployment's selector>, keeping the ReplicaSets it controls (owner
//     reference with its UID), and picks the one with the second highest
//     deployment.kubernetes.io/revision.
//  3. PATCH the Deployment with a JSON patch (application/json-patch+json)
//     that replaces spec.template with that ReplicaSet's pod template minus
//     its pod-template-hash label, and metadata.annotations with kubectl's
//     merge (the Deployment's revision bookkeeping annotations, the
//     ReplicaSet's others), plus tourniquet.dev/run-id: <run ID>.
//
// Unlike kubectl, the patch also replaces metadata.resourceVersion with the
// value read in step 1, which makes it conditional: if the Deployment
// changed in between (a deploy racing the rollback), the API server answers
// 409 Conflict and nothing changes. When the Deployment already carries this
// run's ID, the rollback was made and is not repeated (idempotency). When
// the current template already matches the previous revision, nothing is
// patched, as kubectl skips it.
//
// An undo does the same thing again: rolling back a rollback returns to the
// revision rolled back from, exactly like a second "kubectl rollout undo".
package kubernetes
