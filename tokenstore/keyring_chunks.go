package tokenstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/zalando/go-keyring"
)

// head is the item stored under a value's key. A small value is inline
// (Data); a large one lives in N chunk items of one of two slots, "a" or
// "b", and Sum is the SHA-256 of the reassembled base64 text.
type head struct {
	V    int    `json:"v"`
	Data string `json:"d,omitempty"`
	Slot string `json:"slot,omitempty"`
	N    int    `json:"n,omitempty"`
	Sum  string `json:"sum,omitempty"`
}

func chunkKey(key, slot string, i int) string {
	return "chunk:" + slot + ":" + strconv.Itoa(i) + ":" + key
}

func (k *Keyring) readHead(ctx context.Context, key, id string) (*head, error) {
	raw, err := k.get(ctx, key)
	if err != nil {
		return nil, err
	}
	var h head
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		return nil, &FormatError{ID: id, Kind: ErrCorrupt, Err: errors.New("keyring head item: " + describeJSONError(err))}
	}
	if h.V != 1 {
		return nil, &FormatError{ID: id, Version: h.V, Kind: ErrFutureFormat}
	}
	return &h, nil
}

// readValue returns the bytes stored under key. The caller holds the
// shared or the exclusive data lock.
func (k *Keyring) readValue(ctx context.Context, key, id string) ([]byte, error) {
	h, err := k.readHead(ctx, key, id)
	if err != nil {
		return nil, err
	}
	text := h.Data
	if h.N > 0 {
		buf := make([]byte, 0, h.N*ChunkSize)
		for i := range h.N {
			part, err := k.get(ctx, chunkKey(key, h.Slot, i))
			if errors.Is(err, keyring.ErrNotFound) {
				return nil, &FormatError{ID: id, Version: 1, Kind: ErrCorrupt, Err: fmt.Errorf("keyring chunk %d of %d is missing", i+1, h.N)}
			}
			if err != nil {
				return nil, err
			}
			buf = append(buf, part...)
		}
		sum := sha256.Sum256(buf)
		if hex.EncodeToString(sum[:]) != h.Sum {
			return nil, &FormatError{ID: id, Version: 1, Kind: ErrCorrupt, Err: errors.New("keyring chunks do not match their checksum")}
		}
		text = string(buf)
	}
	data, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, &FormatError{ID: id, Version: 1, Kind: ErrCorrupt, Err: errors.New("keyring value is not base64")}
	}
	return data, nil
}

// writeValue stores data under key. The caller holds the exclusive data
// lock. A large value goes to the slot the current head does not use;
// the head is written last, in one item, and old chunks are removed
// after it.
func (k *Keyring) writeValue(ctx context.Context, key string, data []byte) error {
	text := base64.StdEncoding.EncodeToString(data)
	old, err := k.readHead(ctx, key, key)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		var fe *FormatError
		if !errors.As(err, &fe) {
			return err
		}
		old = nil // overwrite a corrupt head
	}
	h := head{V: 1}
	if len(text) <= ChunkSize {
		h.Data = text
	} else {
		h.Slot = "a"
		if old != nil && old.Slot == "a" {
			h.Slot = "b"
		}
		for i := 0; i*ChunkSize < len(text); i++ {
			part := text[i*ChunkSize : min((i+1)*ChunkSize, len(text))]
			if err := k.set(ctx, chunkKey(key, h.Slot, i), part); err != nil {
				return err
			}
			h.N = i + 1
		}
		// Chunks beyond N in this slot are leftovers of an older value
		// or an interrupted save.
		if err := k.deleteChunks(ctx, key, h.Slot, h.N, -1); err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(text))
		h.Sum = hex.EncodeToString(sum[:])
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := k.set(ctx, key, string(raw)); err != nil {
		return err
	}
	if old != nil && old.N > 0 && old.Slot != h.Slot {
		return k.deleteChunks(ctx, key, old.Slot, 0, old.N)
	}
	return nil
}

// deleteChunks deletes chunks from..to-1 of slot, or from "from" up to
// the first missing one when to is negative.
func (k *Keyring) deleteChunks(ctx context.Context, key, slot string, from, to int) error {
	for i := from; to < 0 || i < to; i++ {
		err := k.call(ctx, func() error { return k.kr.Delete(k.service, chunkKey(key, slot, i)) })
		if errors.Is(err, keyring.ErrNotFound) {
			if to < 0 {
				return nil
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteValue removes the head and the chunks of both slots.
func (k *Keyring) deleteValue(ctx context.Context, key string) error {
	old, err := k.readHead(ctx, key, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	if err := k.del(ctx, key); err != nil {
		return err
	}
	if old != nil && old.N > 0 {
		if err := k.deleteChunks(ctx, key, old.Slot, 0, old.N); err != nil {
			return err
		}
	}
	for _, slot := range []string{"a", "b"} {
		if err := k.deleteChunks(ctx, key, slot, 0, -1); err != nil {
			return err
		}
	}
	return nil
}
