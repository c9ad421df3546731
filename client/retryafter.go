package client

import (
	"strconv"
	"time"
)

// RetryAfterSeconds is d as the value of a Retry-After header a server
// sends on: whole seconds, rounded up, so that a caller honouring it never
// comes back before the provider's wait is over (1.2 s is "2").
func RetryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
