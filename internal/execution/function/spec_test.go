package function_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/execution/function"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, spec, want string
		errs             []string // each must appear in the error
	}{
		{name: "http with defaults",
			spec: `{"Description":"counts FAILED executions","Http":{"Endpoint":"http://127.0.0.1:9000/count","Headers":{"X-Team":"ops"}}}`,
			want: `{"Description":"counts FAILED executions","Http":{"Endpoint":"http://127.0.0.1:9000/count","Headers":{"X-Team":"ops"}},"TimeoutSeconds":60}`},
		{name: "command canonical order",
			spec: `{"TimeoutSeconds":30,"Command":{"Env":{"FOO":"bar","A":"b"},"Args":["--since","5m"],"Path":"/usr/local/bin/alert-count","Dir":"/tmp"}}`,
			want: `{"Command":{"Path":"/usr/local/bin/alert-count","Args":["--since","5m"],"Env":{"A":"b","FOO":"bar"},"Dir":"/tmp"},"TimeoutSeconds":30}`},
		{name: "https and max timeout",
			spec: `{"Http":{"Endpoint":"https://fn.example/x?a=1"},"TimeoutSeconds":900}`,
			want: `{"Http":{"Endpoint":"https://fn.example/x?a=1"},"TimeoutSeconds":900}`},
		{name: "neither", spec: `{"Description":"x"}`, errs: []string{"set one of Http (an endpoint) and Command"}},
		{name: "both", spec: `{"Http":{"Endpoint":"http://a/"},"Command":{"Path":"/bin/true"}}`, errs: []string{"not both"}},
		{name: "endpoint not http", spec: `{"Http":{"Endpoint":"ftp://a/x"}}`, errs: []string{`Http.Endpoint: "ftp://a/x" is not an http:// or https:// URL`}},
		{name: "endpoint without host", spec: `{"Http":{"Endpoint":"http:///x"}}`, errs: []string{"Http.Endpoint"}},
		{name: "relative path", spec: `{"Command":{"Path":"alert-count.sh"}}`, errs: []string{`Command.Path: "alert-count.sh" is not an absolute path`}},
		{name: "missing path", spec: `{"Command":{"Args":["x"]}}`, errs: []string{"Command.Path: is required"}},
		{name: "relative dir", spec: `{"Command":{"Path":"/bin/true","Dir":"tmp"}}`, errs: []string{"Command.Dir"}},
		{name: "every problem at once",
			spec: `{"Command":{"Path":"x","Env":{"1BAD":"v","FIRSTLINE_IDEMPOTENCY_KEY":"k"}},"TimeoutSeconds":901}`,
			errs: []string{"Command.Path", "Command.Env.1BAD: is not a valid variable name", "Command.Env.FIRSTLINE_IDEMPOTENCY_KEY: is set by firstline", "TimeoutSeconds: is 901; want 1 to 900"}},
		{name: "zero timeout", spec: `{"Command":{"Path":"/bin/true"},"TimeoutSeconds":0}`, errs: []string{"TimeoutSeconds: is 0"}},
		{name: "fractional timeout", spec: `{"Command":{"Path":"/bin/true"},"TimeoutSeconds":1.5}`, errs: []string{"TimeoutSeconds: is a JSON number"}},
		{name: "timeout as string", spec: `{"Command":{"Path":"/bin/true"},"TimeoutSeconds":"30"}`, errs: []string{"TimeoutSeconds: is a JSON string; want an integer"}},
		{name: "unknown field", spec: `{"Command":{"Path":"/bin/true"},"Runtime":"python3.12"}`, errs: []string{`unknown field "Runtime"`}},
		{name: "unknown nested field", spec: `{"Http":{"Endpoint":"http://a/","Method":"GET"}}`, errs: []string{`unknown field "Method"`}},
		{name: "reserved header", spec: `{"Http":{"Endpoint":"http://a/","Headers":{"Idempotency-Key":"x","X-Firstline-Execution":"y"}}}`,
			errs: []string{"Http.Headers.Idempotency-Key: is set by firstline", "Http.Headers.X-Firstline-Execution: is set by firstline"}},
		{name: "bad header", spec: `{"Http":{"Endpoint":"http://a/","Headers":{"Bad Name":"x","X-Ok":"a\nb"}}}`,
			errs: []string{"Http.Headers.Bad Name: is not a valid header name", "Http.Headers.X-Ok: has a line break"}},
		{name: "long description", spec: `{"Command":{"Path":"/bin/true"},"Description":"` + strings.Repeat("x", 257) + `"}`, errs: []string{"Description: has 257 characters"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := function.Kind{}.Normalize("Alert_count", json.RawMessage(tc.spec))
			if len(tc.errs) > 0 {
				require.Error(t, err)
				for _, want := range tc.errs {
					require.Contains(t, err.Error(), want)
				}
				// Every problem carries its path for the API's field.
				var fe interface{ Field() string }
				require.True(t, errors.As(err, &fe) || len(unjoin(err)) > 1, "%v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			again, err := function.Kind{}.Normalize("Alert_count", got)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again), "canonical JSON is a fixed point")
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestParseFunctionName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want, err string }{
		{in: "Alert_count", want: "Alert_count"},
		{in: "Alert_count:$LATEST", want: "Alert_count"},
		{in: "Alert_count:prod", want: "Alert_count"},
		{in: "arn:aws:lambda:ap-northeast-1:123456789012:function:Alert_count", want: "Alert_count"},
		{in: "arn:aws:lambda:ap-northeast-1:123456789012:function:Alert_count:$LATEST", want: "Alert_count"},
		{in: "arn:aws-cn:lambda:cn-north-1:123456789012:function:Alert_count:7", want: "Alert_count"},
		// The seed's placeholder stands for region and account together.
		{in: "arn:aws:lambda:〓ARN名〓:function:Alert_count:$LATEST", want: "Alert_count"},
		{in: "arn:aws:lambda:::function:Alert_count", want: "Alert_count"},
		{in: "123456789012:function:Alert_count", want: "Alert_count"},
		{in: "123456789012:function:Alert_count:$LATEST", want: "Alert_count"},
		{in: "arn:aws:lambda:r:a:function:function", want: "function"},
		{in: "arn:aws:states:::lambda:invoke", err: "not a Lambda function ARN"},
		{in: "arn:aws:lambda:r:a:layer:x", err: "no function:NAME part"},
		{in: "arn:aws:lambda:r:a:function:", err: "does not name a function"},
		{in: "arn:aws:lambda:r:a:function:a:b:c", err: "does not name a function"},
		{in: "a:b:c", err: "does not name a function"},
		{in: "bad name", err: "does not name a function"},
		{in: "", err: "does not name a function"},
	} {
		got, err := function.ParseFunctionName(tc.in)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}
