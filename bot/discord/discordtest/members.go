package discordtest

import "net/http"

// AddMember makes user a member of guild (GET /guilds/{g}/members/{u}).
func (s *Server) AddMember(guild, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.members == nil {
		s.members = map[string]bool{}
	}
	s.members[guild+"/"+user] = true
}

// RemoveMember makes user leave guild.
func (s *Server) RemoveMember(guild, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.members, guild+"/"+user)
}

// guildMember answers GET /guilds/{guild}/members/{user} as Discord does:
// the member, or 404 Unknown Member (10007).
func (s *Server) guildMember(w http.ResponseWriter, guild, user string) {
	s.mu.Lock()
	ok := s.members[guild+"/"+user]
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, 10007, "Unknown Member")
		return
	}
	writeJSON(w, 200, map[string]any{"user": map[string]any{"id": user, "username": "member" + user}, "roles": []string{},
		"joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false})
}
