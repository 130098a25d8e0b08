package m2mauth

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
)

// Claims are the claims of a verified token. The registered claims have
// fields; Raw holds every claim as encoding/json decodes it.
type Claims struct {
	Issuer    string    // iss
	Subject   string    // sub
	Audience  []string  // aud (a string becomes one element)
	ClientID  string    // client_id (RFC 9068), or azp
	ID        string    // jti
	Scopes    []string  // scope (space-separated) or scp (a list)
	ExpiresAt time.Time // exp; zero if absent
	IssuedAt  time.Time // iat; zero if absent
	NotBefore time.Time // nbf; zero if absent
	Raw       map[string]any
}

// HasScope reports whether the token carries scope.
func (c *Claims) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

// parseClaims reads the JSON object the library hands over.
func parseClaims(text string) (*Claims, error) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, &Error{Code: CodeInternal, Name: "internal", Family: "internal", Message: "claims: " + err.Error()}
	}
	str := func(name string) string {
		s, _ := raw[name].(string)
		return s
	}
	c := &Claims{
		Issuer:    str("iss"),
		Subject:   str("sub"),
		Audience:  words(raw["aud"], false),
		ClientID:  str("client_id"),
		ID:        str("jti"),
		ExpiresAt: instant(raw["exp"]),
		IssuedAt:  instant(raw["iat"]),
		NotBefore: instant(raw["nbf"]),
		Raw:       raw,
	}
	if c.ClientID == "" {
		c.ClientID = str("azp")
	}
	if scope, ok := raw["scope"]; ok {
		c.Scopes = words(scope, true)
	} else {
		c.Scopes = words(raw["scp"], true)
	}
	return c, nil
}

// words reads a list of strings, or one string (split on spaces if split).
func words(value any, split bool) []string {
	switch v := value.(type) {
	case string:
		if split {
			return strings.Fields(v)
		}
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// instant reads NumericDate seconds (fractions allowed).
func instant(value any) time.Time {
	seconds, ok := value.(float64)
	if !ok || math.IsNaN(seconds) || math.Abs(seconds) > 1e11 {
		return time.Time{}
	}
	whole, frac := math.Modf(seconds)
	return time.Unix(int64(whole), int64(frac*1e9))
}
