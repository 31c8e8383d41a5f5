package slacktest

import (
	"maps"
	"strings"
	"time"
)

// Channel is a channel at the fake, as a copy: changing it changes nothing
// at the fake.
type Channel struct {
	ID, Name, Topic string
	// Creator is the user who created it: the bot for the ones it created
	// (conversations.create).
	Creator  string
	Created  time.Time
	Private  bool
	Archived bool
	// Members are the users added, invited or joined; with Options.Lenient
	// every other person counts as a member too.
	Members map[string]bool
	// Messages are its messages and replies, oldest first, as chat.update
	// left them; ephemeral ones are not kept.
	Messages []Message
	// Pins are the ts of its pinned messages.
	Pins map[string]bool
}

// channel is a channel as the fake keeps it.
type channel struct {
	Channel
	msgs []*Message
}

// AddChannel creates a channel the way a workspace already has it, as
// created by U1.
func (s *Server) AddChannel(id, name string, private bool, members ...string) {
	s.AddChannelBy("U1", id, name, private, members...)
}

// AddChannelBy creates a channel that creator created.
func (s *Server) AddChannelBy(creator, id, name string, private bool, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.newChannel(id, name, private, creator)
	for _, m := range members {
		c.Members[m] = true
	}
}

// newChannel adds a channel; s.mu is held.
func (s *Server) newChannel(id, name string, private bool, creator string) *channel {
	c := &channel{Channel: Channel{ID: id, Name: name, Private: private, Creator: creator, Created: s.o.Now(),
		Members: map[string]bool{}, Pins: map[string]bool{}}}
	s.channels[id] = c
	s.order = append(s.order, id)
	return c
}

// AddMessage puts a message in a channel, as user wrote it, and returns
// its ts.
func (s *Server) AddMessage(channel, user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Channel: channel, TS: s.nextTS(), User: user, Text: text, At: s.o.Now()}
	c := s.channels[channel]
	c.msgs = append(c.msgs, m)
	return m.TS
}

// Archive archives a channel: it keeps its name, and users.conversations
// with exclude_archived leaves it out.
func (s *Server) Archive(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id].Archived = true
}

// Channel returns a channel by ID, nil when the fake has none.
func (s *Server) Channel(id string) *Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.channels[id]; c != nil {
		return c.snapshot()
	}
	return nil
}

// ChannelByName returns a channel by name, nil when the fake has none.
func (s *Server) ChannelByName(name string) *Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.order {
		if c := s.channels[id]; c.Name == name {
			return c.snapshot()
		}
	}
	return nil
}

// Channels returns every channel, in the order they were added or created.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, *s.channels[id].snapshot())
	}
	return out
}

func (c *channel) snapshot() *Channel {
	cp := c.Channel
	cp.Members, cp.Pins = maps.Clone(c.Members), maps.Clone(c.Pins)
	cp.Messages = make([]Message, 0, len(c.msgs))
	for _, m := range c.msgs {
		cp.Messages = append(cp.Messages, *m)
	}
	return &cp
}

// channel returns a channel by ID, nil when there is none; with
// Options.Lenient an ID never seen is an existing public channel. s.mu is
// held.
func (s *Server) channel(id string) *channel {
	if c := s.channels[id]; c != nil || !s.o.Lenient || id == "" || (id[0] != 'C' && id[0] != 'G') {
		return c
	}
	return s.newChannel(id, strings.ToLower(id), false, "")
}

// member reports whether user is in c; s.mu is held.
func (s *Server) member(c *channel, user string) bool {
	return c.Members[user] || (s.o.Lenient && user != s.o.BotUserID && s.userName(user) != "")
}

// userName is a user's display name, "" for no such user; s.mu is held.
func (s *Server) userName(id string) string {
	if name := s.users[id]; name != "" {
		return name
	}
	if s.o.Lenient && strings.HasPrefix(id, "U") {
		return "User " + id
	}
	return ""
}

// find returns the message of c at ts, or nil.
func (c *channel) find(ts string) *Message {
	for _, m := range c.msgs {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// json is the channel as the Web API shows it to the bot.
func (s *Server) json(c *channel) map[string]any {
	return map[string]any{"id": c.ID, "name": c.Name, "is_channel": true, "is_private": c.Private,
		"is_archived": c.Archived, "creator": c.Creator, "created": c.Created.Unix(),
		"is_member": c.Members[s.o.BotUserID], "topic": map[string]any{"value": c.Topic}}
}
