package jsonata

import (
	"errors"
	"reflect"
	"regexp"

	"github.com/xiatechs/jsonata-go/jparse"
)

// The library rewrites source text with these regular expressions before
// parsing (github.com/xiatechs/jsonata-go, jsonata.go). The rewriter makes
// sure they match nothing, except possibly inside a regular expression or
// a backtick name, which is then refused rather than silently altered.
var (
	libQuotedPath      = regexp.MustCompile(`([A-Za-z\$\\*\` + "`" + `])\.[\"']([\s\S]+?)[\"']`)
	libQuotedPathStart = regexp.MustCompile(`^[\"']([ \.0-9A-Za-z]+?)[\"']\.([A-Za-z\$\*\"\'])`)
	libComment         = regexp.MustCompile(`\/\*([\s\S]*?)\*\/`)
)

var errLibRewrite = errors.New(`a regular expression or backtick name containing ".'", ".\"" or "/*" is not supported`)

// checkSource refuses text the library would rewrite.
func checkSource(src string) error {
	if libQuotedPath.MatchString(src) || libQuotedPathStart.MatchString(src) || libComment.MatchString(src) {
		return errLibRewrite
	}
	return nil
}

var (
	typeLambda   = reflect.TypeOf(&jparse.LambdaNode{})
	typeApply    = reflect.TypeOf(&jparse.FunctionApplicationNode{})
	typeCall     = reflect.TypeOf(&jparse.FunctionCallNode{})
	typeBlock    = reflect.TypeOf(&jparse.BlockNode{})
	typeVariable = reflect.TypeOf(&jparse.VariableNode{})
)

var (
	errUnguardedLambda = errors.New("unsupported function definition")
	errApplyCall       = errors.New(`unsupported use of "~>"`)
)

// checkTree verifies, on the syntax tree the library will evaluate, what
// the rewriter is meant to guarantee, so that a disagreement between the
// rewriter's scanner and the library's lexer fails compilation instead of
// evaluation (or the process): every lambda body starts with the call-depth
// counter, and no "~>" has a function call on its right.
func checkTree(n jparse.Node) error {
	return walk(reflect.ValueOf(n))
}

func walk(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walk(v.Elem())
	case reflect.Ptr:
		if v.IsNil() {
			return nil
		}
		switch v.Type() {
		case typeLambda:
			if !guarded(v.Elem().FieldByName("Body")) {
				return errUnguardedLambda
			}
		case typeApply:
			if rhs := v.Elem().FieldByName("RHS"); !rhs.IsNil() && rhs.Elem().Type() == typeCall {
				return errApplyCall
			}
		}
		return walk(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if err := walk(v.Field(i)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := walk(v.Index(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// guarded reports whether a lambda body is the rewriter's block starting
// with $__sfnenter().
func guarded(body reflect.Value) bool {
	if body.IsNil() || body.Elem().Type() != typeBlock {
		return false
	}
	exprs := body.Elem().Elem().FieldByName("Exprs")
	if exprs.Len() < 4 {
		return false
	}
	first := exprs.Index(0)
	if first.IsNil() || first.Elem().Type() != typeCall {
		return false
	}
	fn := first.Elem().Elem().FieldByName("Func")
	if fn.IsNil() || fn.Elem().Type() != typeVariable {
		return false
	}
	return fn.Elem().Elem().FieldByName("Name").String() == enterName
}
