package m2mauth

// The Config and VerifierConfig structs are generated from the core's
// option table (options_gen.go); these are the helpers they use.

// redactedKeys shows a map of parameters with its values hidden: extra
// request parameters may carry secrets (an API key).
func redactedKeys(params map[string]string) map[string]string {
	shown := make(map[string]string, len(params))
	for name := range params {
		shown[name] = "[redacted]"
	}
	return shown
}
