package workflow_test

import (
	"context"
	"testing"

	"github.com/firstline/firstline/internal/workflow"
)

func TestRegistryLookup(t *testing.T) {
	r := workflow.NewRegistry()
	named := func(name string) workflow.Integration {
		return workflow.IntegrationFunc(func(context.Context, *workflow.Request, string) (any, error) { return name, nil })
	}
	for key, name := range map[string]string{
		"arn:aws:states:::lambda:invoke":           "lambda",
		"arn:aws:states:::aws-sdk:ssm:sendCommand": "sendCommand",
		"arn:aws:states:::sns:publish":             "sns",
		"arn:aws:lambda:::function:*":              "function",
		"arn:aws:states:::aws-sdk:*":               "sdk",
	} {
		if err := r.Register(key, named(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Register("arn:aws:states:::lambda:invoke", named("again")); err == nil {
		t.Error("registering a key twice succeeded")
	}
	if err := r.Register("lambda:invoke", named("x")); err == nil {
		t.Error("registering a key that is not an ARN succeeded")
	}
	for _, tc := range []struct{ resource, want, pattern string }{
		{"arn:aws:states:::lambda:invoke", "lambda", workflow.RequestResponse},
		{"arn:aws:states:ap-northeast-1:123456789012:lambda:invoke", "lambda", workflow.RequestResponse},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", "lambda", workflow.WaitForTaskToken},
		{"arn:aws:states:::aws-sdk:ssm:sendCommand", "sendCommand", workflow.RequestResponse},
		{"arn:aws:states:::aws-sdk:ssm:getCommandInvocation", "sdk", workflow.RequestResponse},
		{"arn:aws:states:::sns:publish", "sns", workflow.RequestResponse},
		{"arn:aws:lambda:us-east-1:123456789012:function:Alert_count:$LATEST", "function", workflow.RequestResponse},
		{"arn:aws:states:::states:startExecution.sync:2", "", ""},
	} {
		i, pattern, ok := r.Lookup(tc.resource)
		if tc.want == "" {
			if ok {
				t.Errorf("%s: found an integration, want none", tc.resource)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: no integration", tc.resource)
			continue
		}
		got, _ := i.Invoke(context.Background(), &workflow.Request{}, pattern)
		if got != tc.want || pattern != tc.pattern {
			t.Errorf("%s: %v %s, want %s %s", tc.resource, got, pattern, tc.want, tc.pattern)
		}
	}
}
