package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

type jsonNumber = json.Number

// maxLeaves bounds the causes one violation lists.
const maxLeaves = 6

// leafErrors is a validation error as its deepest causes, "at /path: why",
// which name the field at fault even under a oneOf of many branches.
func leafErrors(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	seen := map[string]bool{}
	var leaves []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			s := fmt.Sprintf("at /%s: %s", strings.Join(e.InstanceLocation, "/"), e.ErrorKind.LocalizedString(printer))
			if !seen[s] {
				seen[s] = true
				leaves = append(leaves, s)
			}
			return
		}
		for _, c := range relevant(e) {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(leaves)
	if len(leaves) > maxLeaves {
		leaves = append(leaves[:maxLeaves], fmt.Sprintf("and %d more", len(leaves)-maxLeaves))
	}
	return strings.Join(leaves, "; ")
}

// relevant are the causes worth showing. Under a oneOf or anyOf, a branch
// whose discriminator ("type") does not match is noise: when some branch
// gets past it, only those are shown.
func relevant(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
	default:
		return e.Causes
	}
	var kept []*jsonschema.ValidationError
	for _, c := range e.Causes {
		if !wrongDiscriminator(c, len(e.InstanceLocation)) {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return e.Causes
	}
	return kept
}

// wrongDiscriminator reports a branch refused because the value's "type"
// (at depth+1) is not the one the branch describes.
func wrongDiscriminator(e *jsonschema.ValidationError, depth int) bool {
	if len(e.Causes) == 0 {
		loc := e.InstanceLocation
		if len(loc) != depth+1 || loc[depth] != "type" {
			return false
		}
		switch e.ErrorKind.(type) {
		case *kind.Enum, *kind.Const:
			return true
		}
		return false
	}
	for _, c := range e.Causes {
		if wrongDiscriminator(c, depth) {
			return true
		}
	}
	return false
}
