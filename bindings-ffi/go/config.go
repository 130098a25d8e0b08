package m2mauth

import (
	"encoding/json"
	"time"
)

// Config is the same set of options every m2mauth language takes (see the
// README); zero values mean "the default".
type Config struct {
	TokenURL          string            // the token endpoint
	Issuer            string            // or an issuer to discover it from
	ClientID          string            // the client id
	ClientSecret      string            // the client secret
	ClientSecretFile  string            // or a file holding it
	Scopes            []string          // scopes to request
	Audience          string            // the audience parameter (Auth0, SSOJet, …)
	Resource          []string          // RFC 8707 resources
	ExtraParams       map[string]string // extra request parameters
	AuthMethod        string            // "client_secret_basic" (default) or "client_secret_post"
	BodyFormat        string            // "form" (default) or "json"
	Timeout           time.Duration     // deadline of one token acquisition, retries included (default 10s)
	Retries           *int              // retries of transient failures while callers wait (default 2)
	DefaultLifetime   time.Duration     // lifetime assumed without expires_in (default 5m)
	AllowInsecureHTTP bool              // allow http:// to non-loopback hosts
}

// MarshalJSON writes the JSON form the C library takes.
func (c Config) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	put := func(key, value string) {
		if value != "" {
			m[key] = value
		}
	}
	put("token_url", c.TokenURL)
	put("issuer", c.Issuer)
	put("client_id", c.ClientID)
	put("client_secret", c.ClientSecret)
	put("client_secret_file", c.ClientSecretFile)
	put("audience", c.Audience)
	put("auth_method", c.AuthMethod)
	put("body_format", c.BodyFormat)
	if len(c.Scopes) > 0 {
		m["scopes"] = c.Scopes
	}
	if len(c.Resource) > 0 {
		m["resource"] = c.Resource
	}
	if len(c.ExtraParams) > 0 {
		m["extra_params"] = c.ExtraParams
	}
	if c.Timeout != 0 {
		m["timeout"] = c.Timeout.Seconds()
	}
	if c.Retries != nil {
		m["retries"] = *c.Retries
	}
	if c.DefaultLifetime != 0 {
		m["default_lifetime"] = c.DefaultLifetime.Seconds()
	}
	if c.AllowInsecureHTTP {
		m["allow_insecure_http"] = true
	}
	return json.Marshal(m)
}
