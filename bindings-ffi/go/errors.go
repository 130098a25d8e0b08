package m2mauth

import (
	"fmt"
	"time"
)

// Code says what went wrong; the numbers are those of the C ABI and the
// names (Error.Name) are the same in every language.
type Code uint32

// The codes. See the C header for their meaning.
const (
	CodeConfig               Code = 1
	CodeInvalidClient        Code = 2
	CodeInvalidScope         Code = 3
	CodeUnauthorizedClient   Code = 4
	CodeInvalidGrant         Code = 5
	CodeAccessDenied         Code = 6
	CodeInvalidRequest       Code = 7
	CodeUnsupportedGrantType Code = 8
	CodeOAuthError           Code = 9
	CodeRateLimited          Code = 10
	CodeServerError          Code = 11
	CodeHTTPStatus           Code = 12
	CodeRedirect             Code = 13
	CodeTimeout              Code = 14
	CodeTransport            Code = 15
	CodeMalformedResponse    Code = 16
	CodeInternal             Code = 17
	CodeNullArgument         Code = 100
	CodeInvalidUTF8          Code = 101
	CodePanic                Code = 102
	// CodeClosed is Go's own: the TokenSource was closed.
	CodeClosed Code = 1000
)

// Error is every error this package returns. Use errors.As to read it, or
// errors.Is with the sentinels (ErrInvalidClient, ErrTimeout, …). It never
// contains a secret.
type Error struct {
	Code        Code
	Name        string        // "invalid_client", "timeout", …
	Message     string        // one line saying what failed
	OAuthError  string        // the IdP's "error", if it sent one
	Description string        // the IdP's "error_description" (cut, cleaned), if any
	Field       string        // the configuration option at fault (CodeConfig)
	HTTPStatus  int           // the IdP's HTTP status, 0 if none
	RetryAfter  time.Duration // the IdP's Retry-After, 0 if none
}

func (e *Error) Error() string { return "m2mauth: " + e.Message }

// Is makes errors.Is(err, ErrTimeout) and friends work: errors match by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func sentinel(code Code, name string) *Error {
	return &Error{Code: code, Name: name, Message: fmt.Sprintf("%s (any)", name)}
}

// Sentinels for errors.Is, one per code.
var (
	ErrConfig               = sentinel(CodeConfig, "config")
	ErrInvalidClient        = sentinel(CodeInvalidClient, "invalid_client")
	ErrInvalidScope         = sentinel(CodeInvalidScope, "invalid_scope")
	ErrUnauthorizedClient   = sentinel(CodeUnauthorizedClient, "unauthorized_client")
	ErrInvalidGrant         = sentinel(CodeInvalidGrant, "invalid_grant")
	ErrAccessDenied         = sentinel(CodeAccessDenied, "access_denied")
	ErrInvalidRequest       = sentinel(CodeInvalidRequest, "invalid_request")
	ErrUnsupportedGrantType = sentinel(CodeUnsupportedGrantType, "unsupported_grant_type")
	ErrOAuthError           = sentinel(CodeOAuthError, "oauth_error")
	ErrRateLimited          = sentinel(CodeRateLimited, "rate_limited")
	ErrServerError          = sentinel(CodeServerError, "server_error")
	ErrHTTPStatus           = sentinel(CodeHTTPStatus, "http_status")
	ErrRedirect             = sentinel(CodeRedirect, "redirect")
	ErrTimeout              = sentinel(CodeTimeout, "timeout")
	ErrTransport            = sentinel(CodeTransport, "transport")
	ErrMalformedResponse    = sentinel(CodeMalformedResponse, "malformed_response")
	ErrInternal             = sentinel(CodeInternal, "internal")
	ErrClosed               = &Error{Code: CodeClosed, Name: "closed", Message: "the token source is closed"}
)
