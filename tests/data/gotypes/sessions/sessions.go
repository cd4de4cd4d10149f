// Package sessions: named types for gomap's --types tests (and the memory oracle's
// named-struct run: keep Session equal to the Session of oracle/go/memshared).
package sessions

import "time"

// UserID is a named integer key.
type UserID int64

// Session has pointers and padding: ID (4 bytes) + 4 padding, Name, Next, Flag
// (1 byte) + 7 padding, Seen.
type Session struct {
	ID   int32
	Name string
	Next *Session
	Flag bool
	Seen time.Time
}

// Pair is a comparable key with padding.
type Pair struct {
	A int8
	B int64
}
