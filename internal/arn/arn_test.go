package arn_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/arn"
)

func TestParse(t *testing.T) {
	t.Parallel()
	a, err := arn.Parse("arn:aws:states:ap-northeast-1:123456789012:stateMachine:first-response")
	require.NoError(t, err)
	require.Equal(t, arn.ARN{"aws", "states", "ap-northeast-1", "123456789012", "stateMachine:first-response"}, a)
	require.Equal(t, "arn:aws:states:ap-northeast-1:123456789012:stateMachine:first-response", a.String())
	a, err = arn.Parse("arn:aws:logs:::log-group:/aws/events/ops")
	require.NoError(t, err)
	require.Equal(t, "log-group:/aws/events/ops", a.Resource)
	for _, bad := range []string{"", "arn", "arn:aws:states", "urn:aws:s:r:a:x", "arn::s:r:a:x", "arn:aws::r:a:x", "arn:aws:s:r:a:"} {
		_, err := arn.Parse(bad)
		require.Error(t, err, bad)
	}
}
