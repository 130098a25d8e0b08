package m2mauth

import (
	"context"
	"errors"
	"net/http"

	"golang.org/x/oauth2"
)

// Transport is an http.RoundTripper that adds "Authorization: <type>
// <token>" from Source and, when the server answers 401, drops that token
// and sends the request once more with a fresh one (requests whose body
// cannot be replayed are not retried).
type Transport struct {
	Source *TokenSource
	Base   http.RoundTripper // http.DefaultTransport when nil
}

// NewClient returns an *http.Client using Transport over the client that
// ctx carries under oauth2.HTTPClient (or http.DefaultTransport).
func NewClient(ctx context.Context, ts *TokenSource) *http.Client {
	var base http.RoundTripper
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && c != nil {
		base = c.Transport
	}
	return &http.Client{Transport: &Transport{Source: ts, Base: base}}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Source == nil {
		return nil, errors.New("m2mauth: Transport has no Source")
	}
	resp, token, err := t.send(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !replayable(req) {
		return resp, err
	}
	t.Source.Invalidate(token)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		req = req.Clone(req.Context())
		req.Body = body
	}
	resp.Body.Close()
	resp, _, err = t.send(req)
	return resp, err
}

func (t *Transport) send(req *http.Request) (*http.Response, *oauth2.Token, error) {
	token, err := t.Source.TokenContext(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, nil, err
	}
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", token.Type()+" "+token.AccessToken)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(out)
	return resp, token, err
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}
