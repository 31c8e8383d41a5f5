package discordtest

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// Identify is what a client sent in its IDENTIFY (op 2).
type Identify struct {
	Token   string `json:"token"`
	Intents int    `json:"intents"`
}

// gateway is a fake Discord gateway: HELLO, IDENTIFY, READY, heartbeat
// ACKs, and dispatches on demand.
type gateway struct {
	s        *Server
	upgrader websocket.Upgrader

	mu         sync.Mutex
	conns      []*gwConn
	identified []Identify
	ready      chan struct{}
	readyOnce  sync.Once
}

type gwConn struct {
	mu  sync.Mutex
	ws  *websocket.Conn
	seq int
}

func (c *gwConn) send(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws.WriteJSON(v)
}

func newGateway(s *Server) *gateway {
	return &gateway{s: s, ready: make(chan struct{})}
}

func (g *gateway) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{ws: ws}
	defer ws.Close()
	if err := c.send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}); err != nil {
		return
	}
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var msg struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(raw, &msg) != nil {
			return
		}
		switch msg.Op {
		case 1: // heartbeat
			_ = c.send(map[string]any{"op": 11})
		case 2: // identify
			var id Identify
			var fields map[string]json.RawMessage
			_ = json.Unmarshal(msg.D, &id)
			_ = json.Unmarshal(msg.D, &fields)
			if _, ok := fields["intents"]; !ok {
				_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4013, "Invalid intent(s)."))
				return
			}
			if id.Token != "Bot "+g.s.Token {
				_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
				return
			}
			g.mu.Lock()
			g.identified = append(g.identified, id)
			g.conns = append(g.conns, c)
			g.mu.Unlock()
			c.mu.Lock()
			c.seq++
			seq := c.seq
			c.mu.Unlock()
			_ = c.send(map[string]any{"op": 0, "t": "READY", "s": seq, "d": map[string]any{
				"v": 10, "session_id": "fake-session", "resume_gateway_url": "ws" + g.s.srv.URL[len("http"):] + "/gateway-ws",
				"user":        map[string]any{"id": "1", "username": "tourniquet", "bot": true},
				"guilds":      []any{},
				"application": map[string]any{"id": g.s.AppID, "flags": 0},
			}})
			g.readyOnce.Do(func() { close(g.ready) })
		}
	}
}

func (g *gateway) closeAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.conns {
		_ = c.ws.Close()
	}
}

// GatewayReady is closed once a client has identified.
func (s *Server) GatewayReady() <-chan struct{} { return s.gw.ready }

// Identified lists the IDENTIFY payloads received.
func (s *Server) Identified() []Identify {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]Identify(nil), s.gw.identified...)
}

// Dispatch sends an event (op 0) of type t with data d to every identified
// gateway connection, and says to how many.
func (s *Server) Dispatch(t string, d json.RawMessage) int {
	s.gw.mu.Lock()
	conns := append([]*gwConn(nil), s.gw.conns...)
	s.gw.mu.Unlock()
	n := 0
	for _, c := range conns {
		c.mu.Lock()
		c.seq++
		seq := c.seq
		err := c.ws.WriteJSON(map[string]any{"op": 0, "t": t, "s": seq, "d": d})
		c.mu.Unlock()
		if err == nil {
			n++
		}
	}
	return n
}
