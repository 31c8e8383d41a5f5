package storage

import (
	"encoding/json"
	"fmt"

	"github.com/tourniquet/tourniquet/incident"
)

// EncodeRoles is the stored form of an incident's role holders, the same
// in both dialects: a JSON object of role name → actor, {} for none.
func EncodeRoles(roles map[string]incident.Actor) ([]byte, error) {
	if len(roles) == 0 {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(roles)
	if err != nil {
		return nil, fmt.Errorf("encode roles: %w", err)
	}
	return b, nil
}

// DecodeRoles reads what EncodeRoles wrote; no holder at all is nil, as on
// an incident that was never given a role.
func DecodeRoles(b []byte) (map[string]incident.Actor, error) {
	var roles map[string]incident.Actor
	if err := json.Unmarshal(b, &roles); err != nil {
		return nil, fmt.Errorf("decode stored roles: %w", err)
	}
	if len(roles) == 0 {
		return nil, nil
	}
	return roles, nil
}
