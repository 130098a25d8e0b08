package m2mauth

import (
	"fmt"
	"time"
)

// Code says what went wrong; the numbers are those of the C ABI and the
// names (Error.Name) are the same in every language. The codes and their
// sentinels are generated from the core's error table (errors_gen.go).
type Code uint32

// CodeClosed is Go's own: the TokenSource or Verifier was closed.
const CodeClosed Code = 1000

// Error is every error this package returns. Use errors.As to read it, or
// errors.Is with the sentinels (ErrInvalidClient, ErrTimeout, …). It never
// contains a secret.
type Error struct {
	Code        Code
	Name        string        // "invalid_client", "timeout", …
	Family      string        // "config", "refused", "transient", "malformed", "invalid_token" or "internal"
	Message     string        // one line saying what failed
	OAuthError  string        // the IdP's "error", if it sent one
	Description string        // the IdP's "error_description" (cut, cleaned), if any
	Field       string        // the configuration option at fault (CodeConfig)
	Detail      string        // the message without its code's prefix: for ErrInsufficientScope the missing scopes
	HTTPStatus  int           // the IdP's HTTP status, 0 if none
	RetryAfter  time.Duration // the IdP's Retry-After, 0 if none
}

func (e *Error) Error() string { return "m2mauth: " + e.Message }

// Is makes errors.Is(err, ErrTimeout) and friends work: errors match by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func sentinel(code Code, name, family string) *Error {
	return &Error{Code: code, Name: name, Family: family, Message: fmt.Sprintf("%s (any)", name)}
}

// ErrClosed is returned after Close.
var ErrClosed = &Error{Code: CodeClosed, Name: "closed", Family: "internal", Message: "the token source is closed"}

// Sentinels returns one sentinel per error code (the errors.Is targets), in
// the order of their numbers.
func Sentinels() []*Error {
	return append([]*Error(nil), sentinels...)
}
