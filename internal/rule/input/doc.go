// Package input shapes the payload a rule target receives, like Amazon
// EventBridge target input shaping (EventBridge User Guide › Amazon
// EventBridge input transformation; API Reference › Target: Input,
// InputPath, InputTransformer; › InputTransformer: InputPathsMap,
// InputTemplate).
//
// A target's Config sets at most one of:
//
//   - Input: constant JSON text, sent as is; nothing of the event is sent.
//   - InputPath: a JSONPath selecting part of the event; the target receives
//     that value as minified JSON.
//   - InputTransformer: variables extracted from the event by JSONPath
//     (InputPathsMap) are substituted into InputTemplate.
//
// With none set, the target receives the event itself.
//
// # Paths
//
// Paths start with "$" and use dot notation ($.detail.instance-id — names
// may hold dashes, slashes and other characters except "." and "["),
// bracket notation ($['detail-type']), array indexes ($.resources[0]) and
// wildcards ($.detail.*). They are evaluated as RFC 9535 JSONPath (dot
// names are rewritten to bracket names first). A path that can select only
// one value yields that value, or nothing; a path with a wildcard, slice,
// filter or descendant segment always yields a JSON array of the selected
// values. Values keep the event's key order and number text.
//
// # Templates
//
// A placeholder is <name>, name being an InputPathsMap key or one of the
// predefined variables: aws.events.rule-arn, aws.events.rule-name,
// aws.events.event.ingestion-time (ISO 8601, UTC, seconds), aws.events.event
// (the event without its detail field) and aws.events.event.json (the whole
// event). Other text between < and > is literal.
//
// A template that is a JSON document once its placeholders are filled (an
// object, an array, or a quoted string such as "<instance> is <state>") is
// a JSON template and always yields minified, valid JSON:
//
//   - a placeholder outside quotes becomes the variable's JSON value (a
//     string is quoted); a variable whose path matched nothing becomes "";
//   - a placeholder inside quotes becomes the variable's text: a string's
//     characters, a number's or boolean's literal, an object or array as
//     its JSON text without string quotes ({a:1,b:[x,y]}); nothing for a
//     missing variable. The text is escaped as needed for the JSON string
//     (a deliberate difference: EventBridge does not escape it, and drops
//     the delivery when the result is not valid JSON).
//
// Any other template is a text template: every placeholder becomes the
// variable's text, unescaped, as EventBridge does.
//
// Validate rejects what EventBridge rejects or documents as unusable: more
// than one of Input, InputPath and InputTransformer; Input that is not JSON;
// paths that do not start with "$" or do not parse; more than 100
// InputPathsMap entries; keys outside [A-Za-z0-9_-]{1,256}; an empty
// template or one over 8192 characters; placeholders naming no variable; a
// template that starts with "{" but is not a JSON object, or that uses a
// placeholder in an object key; aws.events.event and aws.events.event.json
// anywhere but as the value of a JSON field.
package input
