package etcdstore

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// explain adds to err, from the etcd client, what it means for the user,
// keeping err for errors.Is and errors.As.
func explain(err error) error {
	var hint string
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		hint = "no answer before the deadline: are the endpoints right, and is a majority of the cluster's members up?"
	case errors.Is(err, rpctypes.ErrNoLeader), errors.Is(err, rpctypes.ErrTimeout),
		errors.Is(err, rpctypes.ErrTimeoutDueToLeaderFail), errors.Is(err, rpctypes.ErrTimeoutDueToConnectionLost),
		errors.Is(err, rpctypes.ErrLeaderChanged):
		hint = "the cluster could not commit (no leader, or no quorum): is a majority of its members up?"
	case errors.Is(err, rpctypes.ErrAuthFailed), errors.Is(err, rpctypes.ErrPermissionDenied),
		errors.Is(err, rpctypes.ErrUserEmpty), errors.Is(err, rpctypes.ErrInvalidAuthToken):
		hint = "etcd refused the credentials (ENVSEAL_ETCD_USER, ENVSEAL_ETCD_PASSWORD)"
	default:
		switch status.Code(err) {
		case codes.Unavailable:
			hint = "no member of the cluster could be reached"
		case codes.DeadlineExceeded:
			hint = "no answer before the deadline: is a majority of the cluster's members up?"
		case codes.Unauthenticated, codes.PermissionDenied:
			hint = "etcd refused the credentials (ENVSEAL_ETCD_USER, ENVSEAL_ETCD_PASSWORD)"
		}
	}
	if hint == "" {
		return err
	}
	return fmt.Errorf("%s (%w)", hint, err)
}

// transient reports whether err, from a call to the cluster, may pass if
// the call is made again: the cluster was electing a leader, or a member
// could not be reached while others may be. A call made again must be one
// that is safe to repeat, or one whose effect is checked first.
func transient(err error) bool {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, rpctypes.ErrLeaderChanged), errors.Is(err, rpctypes.ErrNoLeader),
		errors.Is(err, rpctypes.ErrTimeoutDueToLeaderFail), errors.Is(err, rpctypes.ErrTimeoutDueToConnectionLost),
		errors.Is(err, rpctypes.ErrTimeout):
		return true
	}
	return status.Code(err) == codes.Unavailable
}
