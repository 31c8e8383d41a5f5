package slacktest

// DeleteUser deactivates a user: users.info still answers for them, with
// "deleted": true, as Slack does for a deactivated account.
func (s *Server) DeleteUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted == nil {
		s.deleted = map[string]bool{}
	}
	s.deleted[id] = true
}
