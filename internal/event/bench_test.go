package event_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/firstline/firstline/internal/event"
)

// benchmarkBody returns a realistic PutEvents body: 10 entries, each with
// Time, two resources and a CloudTrail-like Detail of about 1.5 KB.
func benchmarkBody(tb testing.TB) []byte {
	tb.Helper()
	detail := map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{
			"type": "AssumedRole", "principalId": "AROAEXAMPLEID:alice",
			"arn":       "arn:aws:sts::123456789012:assumed-role/Admin/alice",
			"accountId": "123456789012", "accessKeyId": "ASIAEXAMPLEKEY",
			"sessionContext": map[string]any{
				"sessionIssuer": map[string]any{"type": "Role", "arn": "arn:aws:iam::123456789012:role/Admin", "userName": "Admin"},
				"attributes":    map[string]any{"creationDate": "2025-12-02T09:10:00Z", "mfaAuthenticated": "true"},
			},
		},
		"eventTime": "2025-12-02T10:15:42Z", "eventSource": "dynamodb.amazonaws.com", "eventName": "UpdateTable",
		"awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.10", "userAgent": "console.amazonaws.com",
		"requestParameters": map[string]any{"tableName": "workshop-orders", "onDemandThroughput": map[string]any{"maxWriteRequestUnits": 2}},
		"responseElements": map[string]any{"tableDescription": map[string]any{
			"tableName": "workshop-orders", "tableStatus": "UPDATING", "itemCount": 0, "tableSizeBytes": 0,
			"tableArn":  "arn:aws:dynamodb:us-east-1:123456789012:table/workshop-orders",
			"keySchema": []any{map[string]any{"attributeName": "pk", "keyType": "HASH"}, map[string]any{"attributeName": "sk", "keyType": "RANGE"}},
			"tags":      strings.Repeat("padding ", 64),
		}},
		"requestID": "7TD6N0AR7JIM1GS1VQBRQPTV37VV4KQNSO5AEMVJF66Q9ASUAAJG", "eventID": "f8b0c3a4-1e2d-4c5b-9a8f-7e6d5c4b3a29",
		"readOnly": false, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "123456789012",
	}
	d, err := json.Marshal(detail)
	if err != nil {
		tb.Fatal(err)
	}
	entries := make([]map[string]any, event.MaxEntries)
	for i := range entries {
		entries[i] = map[string]any{
			"Source": "aws.dynamodb", "DetailType": "AWS API Call via CloudTrail", "Detail": string(d),
			"Time":      "2025-12-02T10:15:42Z",
			"Resources": []string{fmt.Sprintf("arn:aws:dynamodb:us-east-1:123456789012:table/t%d", i), "arn:aws:iam::123456789012:role/Admin"},
		}
	}
	body, err := json.Marshal(map[string]any{"Entries": entries})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// BenchmarkParsePutEvents compares ParsePutEvents with plain decoding of
// the same body into map[string]any, which decodes the outer request only
// (Detail stays a string) and validates nothing.
func BenchmarkParsePutEvents(b *testing.B) {
	body := benchmarkBody(b)
	b.Run("ParsePutEvents", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			batch, err := event.ParsePutEvents(body, event.Defaults{}, testNow)
			if err != nil {
				b.Fatal(err)
			}
			if resp := batch.Response(); resp.FailedEntryCount != 0 {
				b.Fatalf("%+v", resp)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
