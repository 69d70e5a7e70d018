// Package arn parses Amazon Resource Names in the form rule targets and
// task resources use (AWS General Reference › ARN format):
//
//	arn:partition:service:region:account-id:resource
//
// firstline ignores the account and region of an ARN naming one of its own
// resources, so rules and state machines copied from AWS work unmodified.
package arn

import (
	"fmt"
	"strings"
)

// ARN is a parsed ARN. Resource keeps everything after the account,
// colons included (e.g. "log-group:/aws/events/ops").
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// Parse splits s into its parts. It needs the "arn" prefix, a partition,
// a service and a resource; region and account may be empty.
func Parse(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ARN{}, fmt.Errorf("%q is not an ARN (arn:partition:service:region:account:resource)", s)
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}
	if a.Partition == "" || a.Service == "" || a.Resource == "" {
		return ARN{}, fmt.Errorf("%q is not an ARN: partition, service and resource are required", s)
	}
	return a, nil
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}
