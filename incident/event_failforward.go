package incident

// KindFailForwardDeadline records that a fail-forward decision's deadline
// passed with customer impact still ongoing: the bot asked again, with the
// rollback and kill switch first (docs/readiness.md).
const KindFailForwardDeadline Kind = "fail_forward_deadline"
