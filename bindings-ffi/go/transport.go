package m2mauth

import (
	"context"
	"errors"
	"net/http"

	"golang.org/x/oauth2"
)

// Transport is an http.RoundTripper that adds "Authorization: <type>
// <token>" from Source (and, for DPoP tokens, a DPoP proof). When the
// server answers 401 it sends the request once more: with a new proof if it
// asked for a DPoP nonce, else with a fresh token (requests whose body
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
	token, err := t.Source.TokenContext(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.send(req, token)
	if err != nil {
		return resp, err
	}
	challenged := token.Type() == "DPoP" &&
		t.Source.DPoPAnswer(req.URL.String(), resp.StatusCode, resp.Header.Get("WWW-Authenticate"), resp.Header.Get("DPoP-Nonce"))
	if resp.StatusCode != http.StatusUnauthorized || !replayable(req) {
		return resp, nil
	}
	if !challenged {
		t.Source.Invalidate(token)
		if token, err = t.Source.TokenContext(req.Context()); err != nil {
			return resp, nil
		}
	}
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		req = req.Clone(req.Context())
		req.Body = body
	}
	resp.Body.Close()
	return t.send(req, token)
}

// send sends req with token (and its DPoP proof).
func (t *Transport) send(req *http.Request, token *oauth2.Token) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", token.Type()+" "+token.AccessToken)
	out.Header.Del("DPoP")
	if token.Type() == "DPoP" {
		proof, err := t.Source.DPoPProof(req.Method, req.URL.String(), token.AccessToken)
		if err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
		out.Header.Set("DPoP", proof)
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}
