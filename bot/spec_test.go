package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tourniquet/tourniquet/bot"
)

func noop(context.Context, *bot.Tx, bot.Command) (bot.Reply, error) { return bot.Reply{}, nil }

// The engine's commands are fixed when it is built: a name or an alias
// that two commands claim is refused then, whatever their order, rather
// than one silently replacing the other.
func TestNewEngineRefusesACommandNamedTwice(t *testing.T) {
	ping := bot.CommandSpec{Name: "ping", Summary: "answer pong", Brief: "Answer pong", Handle: noop}
	tests := []struct {
		name  string
		specs []bot.CommandSpec
		want  string
	}{
		{"a name twice", []bot.CommandSpec{ping, ping}, `"ping" is already the name or an alias of "ping"`},
		{"an alias that is a name", []bot.CommandSpec{ping, {Name: "pong", Aliases: []string{"ping"}, Summary: "x", Brief: "x", Handle: noop}},
			`"ping" is already the name or an alias of "ping"`},
		{"a built-in's name", append(bot.Commands(), bot.CommandSpec{Name: "status", Summary: "mine", Brief: "Mine", Handle: noop}),
			`"status" is already the name or an alias of "status"`},
		{"a built-in's alias", append(bot.Commands(), bot.CommandSpec{Name: "close", Summary: "mine", Brief: "Mine", Handle: noop}),
			`"close" is already the name or an alias of`},
		{"no handler", []bot.CommandSpec{{Name: "ping", Summary: "answer pong"}}, "no handler"},
		{"a bad name", []bot.CommandSpec{{Name: "Ping Pong", Summary: "x", Brief: "x", Handle: noop}}, "want a lower-case word"},
		{"a listed command without a brief", []bot.CommandSpec{{Name: "ping", Summary: "answer pong", Handle: noop}}, "needs a brief"},
		{"an option without help", []bot.CommandSpec{{Name: "ping", Summary: "answer pong", Brief: "Answer pong", Handle: noop,
			Args: []bot.Arg{{Name: "times", Kind: bot.ArgPage}}}}, `argument "times": a command menu needs its help`},
		{"a rest-of-line argument before another", []bot.CommandSpec{{Name: "ping", Summary: "answer pong", Brief: "Answer pong", Handle: noop,
			Args: []bot.Arg{{Name: "why", Kind: bot.ArgText, Help: "Why"}, {Name: "times", Kind: bot.ArgPage, Help: "How often"}}}},
			`argument "times" comes after "why", which takes the rest of the line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.NewEngine(bot.Options{Commands: tt.specs})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewEngine: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := bot.NewEngine(bot.Options{Commands: append(bot.Commands(), ping)}); err != nil {
		t.Fatalf("the built-ins and ping: %v", err)
	}
}
