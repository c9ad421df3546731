package providers

import (
	"encoding/json"
	"fmt"
)

// ErrorFields are what an ErrorShape finds in an error body.
type ErrorFields struct {
	Code, Description, URI string
}

// ErrorShape recognizes one provider's error body. It reports false when
// the body is not of its shape.
type ErrorShape func(status int, body map[string]any) (ErrorFields, bool)

// OAuthErrors is RFC 6749 §5.2: {"error", "error_description", "error_uri"}.
func OAuthErrors(_ int, body map[string]any) (ErrorFields, bool) {
	code := stringField(body, "error")
	if code == "" {
		return ErrorFields{}, false
	}
	return ErrorFields{Code: code, Description: stringField(body, "error_description"), URI: stringField(body, "error_uri")}, true
}

// MessageErrors is {"message": code, "description": text}, which some
// endpoints send instead of RFC 6749's names.
func MessageErrors(_ int, body map[string]any) (ErrorFields, bool) {
	code := stringField(body, "message")
	if code == "" {
		return ErrorFields{}, false
	}
	return ErrorFields{Code: code, Description: stringField(body, "description")}, true
}

// stringField returns body[key] as a string: strings as they are, numbers
// in their JSON form, anything else "".
func stringField(body map[string]any, key string) string {
	switch v := body[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return fmt.Sprint(v)
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

// StringField is stringField for provider packages' Finish hooks and error
// shapes.
func StringField(body map[string]any, key string) string { return stringField(body, key) }
