package providers

import (
	"encoding/json"
	"fmt"

	"github.com/oauthx/oauthx/client"
)

// ErrorFields are what an ErrorShape finds in an error body (the client
// package's type: token calls and API calls read errors alike).
type ErrorFields = client.ErrorFields

// ErrorShape recognizes one provider's error body. It reports false when
// the body is not of its shape.
type ErrorShape = client.ErrorShape

// OAuthErrors is RFC 6749 §5.2: {"error", "error_description", "error_uri"}.
func OAuthErrors(_ int, body map[string]any) (ErrorFields, bool) {
	code := StringField(body, "error")
	if code == "" {
		return ErrorFields{}, false
	}
	return ErrorFields{Code: code, Description: StringField(body, "error_description"), URI: StringField(body, "error_uri")}, true
}

// MessageErrors is {"message": code, "description": text}, which some
// endpoints send instead of RFC 6749's names.
func MessageErrors(_ int, body map[string]any) (ErrorFields, bool) {
	code := StringField(body, "message")
	if code == "" {
		return ErrorFields{}, false
	}
	return ErrorFields{Code: code, Description: StringField(body, "description")}, true
}

// StringField returns body[key] as a string: strings as they are, numbers
// in their JSON form, anything else "". Error shapes and Finish hooks read
// decoded answers with it.
func StringField(body map[string]any, key string) string {
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

// DecodeJSONObject is client.DecodeJSONObject, for provider code written
// against this package.
//
// Deprecated: use client.DecodeJSONObject.
func DecodeJSONObject(resp *client.Response) (map[string]any, error) {
	return client.DecodeJSONObject(resp)
}
