package dev.vtrain.nn.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecParserTest {
    private static final String CNN =
            "conv2d(32,3,padding=1),batchnorm2d,relu,maxpool2d(2),"
                    + "conv2d(64,3,padding=1),batchnorm2d,relu,maxpool2d(2),"
                    + "flatten,linear(128),relu,linear(10)";

    private static void assertCall(
            LayerCall call, String name, List<Object> positional, Map<String, Object> named) {
        assertEquals(name, call.name());
        assertEquals(positional, call.positional());
        assertEquals(named, call.named());
    }

    /** Asserts that {@code spec} fails at {@code position} with a message holding {@code parts}. */
    private static void assertError(String spec, int position, String... parts) {
        SpecException e = assertThrows(SpecException.class, () -> SpecParser.parse(spec));
        assertEquals(position, e.position(), e.getMessage());
        assertTrue(
                e.getMessage().startsWith("model spec, position " + position + ": "),
                e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " lacks " + part);
        }
    }

    @Test
    void theCnnExampleParsesToTwelveCalls() {
        List<LayerCall> calls = SpecParser.parse(CNN);
        assertEquals(12, calls.size());
        assertCall(calls.get(0), "conv2d", List.of(32L, 3L), Map.of("padding", 1L));
        assertCall(calls.get(1), "batchnorm2d", List.of(), Map.of());
        assertCall(calls.get(2), "relu", List.of(), Map.of());
        assertCall(calls.get(3), "maxpool2d", List.of(2L), Map.of());
        assertCall(calls.get(4), "conv2d", List.of(64L, 3L), Map.of("padding", 1L));
        assertCall(calls.get(5), "batchnorm2d", List.of(), Map.of());
        assertCall(calls.get(6), "relu", List.of(), Map.of());
        assertCall(calls.get(7), "maxpool2d", List.of(2L), Map.of());
        assertCall(calls.get(8), "flatten", List.of(), Map.of());
        assertCall(calls.get(9), "linear", List.of(128L), Map.of());
        assertCall(calls.get(10), "relu", List.of(), Map.of());
        assertCall(calls.get(11), "linear", List.of(10L), Map.of());
        assertEquals(0, calls.get(0).position());
        assertEquals(23, calls.get(1).position());
        assertEquals(131, calls.get(11).position());
    }

    @Test
    void valuesHaveTheirTypes() {
        LayerCall call =
                SpecParser.parse(
                                "x(0.5, 1e-3, .5, -1, -.25, 2E2, True, False, true, false, tanh,"
                                        + " (3,3), (2, 1), (7), init=zeros, bias=False)")
                        .getFirst();
        assertEquals(
                List.of(
                        0.5,
                        1e-3,
                        0.5,
                        -1L,
                        -0.25,
                        200.0,
                        true,
                        false,
                        true,
                        false,
                        "tanh",
                        List.of(3L, 3L),
                        List.of(2L, 1L),
                        List.of(7L)),
                call.positional());
        assertInstanceOf(Long.class, call.positional().get(3));
        assertInstanceOf(Double.class, call.positional().get(5));
        assertEquals(Map.of("init", "zeros", "bias", false), call.named());
    }

    @Test
    void keywordArgumentsKeepSourceOrder() {
        LayerCall call = SpecParser.parse("conv2d(8, 3, stride=2, padding=1, bias=False)").get(0);
        assertEquals(List.of("stride", "padding", "bias"), List.copyOf(call.named().keySet()));
    }

    @Test
    void whitespaceIsAllowedBetweenTokens() {
        List<LayerCall> calls =
                SpecParser.parse(" conv2d ( 32 ,3, padding = 1 ) ,\trelu\n, maxpool2d( (2, 2) ) ");
        assertEquals(3, calls.size());
        assertCall(calls.get(0), "conv2d", List.of(32L, 3L), Map.of("padding", 1L));
        assertEquals(1, calls.get(0).position());
        assertCall(calls.get(1), "relu", List.of(), Map.of());
        assertCall(calls.get(2), "maxpool2d", List.of(List.of(2L, 2L)), Map.of());
    }

    @Test
    void emptyParenthesesMeanNoArguments() {
        assertCall(SpecParser.parse("relu( )").getFirst(), "relu", List.of(), Map.of());
    }

    @Test
    void nestedCallsAreLayerCalls() {
        List<LayerCall> calls =
                SpecParser.parse("residual(conv2d(8,3,padding=1),batchnorm2d,relu),relu");
        assertEquals(2, calls.size());
        LayerCall residual = calls.getFirst();
        assertEquals("residual", residual.name());
        assertEquals(3, residual.positional().size());
        LayerCall conv = assertInstanceOf(LayerCall.class, residual.positional().get(0));
        assertCall(conv, "conv2d", List.of(8L, 3L), Map.of("padding", 1L));
        assertEquals(9, conv.position());
        LayerCall norm = assertInstanceOf(LayerCall.class, residual.positional().get(1));
        assertCall(norm, "batchnorm2d", List.of(), Map.of());
        assertEquals(31, norm.position());
        LayerCall relu = assertInstanceOf(LayerCall.class, residual.positional().get(2));
        assertCall(relu, "relu", List.of(), Map.of());
        assertEquals(43, relu.position());
    }

    @Test
    void aKeywordValueCanBeACall() {
        LayerCall call = SpecParser.parse("block(act=leakyrelu(0.1), mode=nearest)").getFirst();
        LayerCall act = assertInstanceOf(LayerCall.class, call.named().get("act"));
        assertCall(act, "leakyrelu", List.of(0.1), Map.of());
        assertEquals("nearest", call.named().get("mode"));
    }

    @Test
    void theResultIsUnmodifiable() {
        List<LayerCall> calls = SpecParser.parse("linear(10, bias=True)");
        assertThrows(UnsupportedOperationException.class, () -> calls.add(calls.getFirst()));
        LayerCall call = calls.getFirst();
        assertThrows(UnsupportedOperationException.class, () -> call.positional().add(1L));
        assertThrows(UnsupportedOperationException.class, () -> call.named().put("x", 1L));
    }

    @Test
    void anEmptySpecIsAnError() {
        assertError("", 1, "expected a layer name", "but found end of input");
        assertError("   ", 4, "expected a layer name", "but found end of input");
    }

    @Test
    void aTrailingCommaIsAnError() {
        assertError("relu,", 6, "expected a layer name", "but found end of input");
        assertError("linear(10,)", 11, "expected an argument", "but found ')'");
    }

    @Test
    void aMissingSeparatorIsAnError() {
        assertError("conv2d(32,3,1=2)", 14, "expected ')' or ','", "but found '='");
        assertError("relu relu", 6, "expected ',' or end of input", "but found 'relu'");
        assertError("relu,,relu", 6, "expected a layer name", "but found ','");
    }

    @Test
    void anUnclosedArgumentListIsAnError() {
        assertError("conv2d(32", 10, "expected ')' or ','", "but found end of input");
        assertError("conv2d(", 8, "expected an argument or ')'", "but found end of input");
        assertError("relu)", 5, "expected ',' or end of input", "but found ')'");
    }

    @Test
    void aDuplicateArgumentIsAnError() {
        assertError("conv2d(32,3,padding=1,padding=2)", 23, "duplicate argument 'padding'");
    }

    @Test
    void aPositionalArgumentAfterAKeywordArgumentIsAnError() {
        assertError("conv2d(32,padding=1,3)", 21, "positional argument after keyword argument");
    }

    @Test
    void aMissingValueIsAnError() {
        assertError("dropout(p=)", 11, "expected a value", "but found ')'");
        assertError("x(@)", 3, "expected an argument or ')'", "but found '@'");
    }

    @Test
    void aBadTupleIsAnError() {
        assertError("maxpool2d((1.5,2))", 12, "expected an integer", "but found '1.5'");
        assertError("maxpool2d(())", 12, "expected an integer", "but found ')'");
        assertError("maxpool2d((2,2)", 16, "expected ')' or ','", "but found end of input");
    }

    @Test
    void aBadNumberIsAnError() {
        assertError("x(-)", 4, "expected a digit", "but found ')'");
        assertError("x(1e)", 5, "expected a digit", "but found ')'");
        assertError("x(3x)", 4, "expected ')' or ','", "but found 'x'");
        assertError("x(9223372036854775808)", 3, "integer '9223372036854775808' is out of range");
        assertError("x(1e999)", 3, "number '1e999' is out of range");
    }

    @Test
    void aSpecStartingWithSomethingElseIsAnError() {
        assertError("(3)", 1, "expected a layer name", "but found '('");
        assertError("3", 1, "expected a layer name", "but found '3'");
    }

    @Test
    void anExceptionWithoutAPositionSaysSo() {
        SpecException e = new SpecException("unknown layer 'foo'");
        assertEquals(0, e.position());
        assertEquals("model spec: unknown layer 'foo'", e.getMessage());
    }
}
