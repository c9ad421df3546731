package providertest

import (
	"encoding/json"
	"net/http"
	"slices"
)

// entities lists conn's entities with their status, for introspect.
func (f *Finch) entities(conn *FinchConnection) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]map[string]any, 0, len(conn.EntityIDs))
	for _, id := range conn.EntityIDs {
		status := "connected"
		if f.offEntities[conn.ConnectionID+"/"+id] {
			status = "disconnected"
		}
		out = append(out, map[string]any{"id": id, "name": "Entity " + id, "source_id": "src_" + id, "status": status})
	}
	return out
}

// disconnectEntity serves POST /disconnect-entity {"entity_ids": [...]}
// (Bearer): every id must be one of the connection's entities.
func (f *Finch) disconnectEntity(w http.ResponseWriter, r *http.Request) {
	_, conn, ok := f.bearer(w, r, http.MethodPost)
	if !ok {
		return
	}
	raw, err := readSmall(r)
	var fields map[string]json.RawMessage
	var body struct {
		EntityIDs []string `json:"entity_ids"`
	}
	if err != nil || json.Unmarshal(raw, &fields) != nil || json.Unmarshal(raw, &body) != nil {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "body must be {\"entity_ids\": [...]}")
		return
	}
	if k, bad := unexpectedField(fields, []string{"entity_ids"}); bad {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "unknown field "+k)
		return
	}
	if len(body.EntityIDs) == 0 {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "entity_ids is required")
		return
	}
	for _, id := range body.EntityIDs {
		if !slices.Contains(conn.EntityIDs, id) {
			f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "entity is not part of this connection")
			return
		}
	}
	f.mu.Lock()
	for _, id := range body.EntityIDs {
		f.offEntities[conn.ConnectionID+"/"+id] = true
	}
	f.stats.EntityDisconnects += len(body.EntityIDs)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"status": "success"})
}
