package io.llumnix.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llumnix.engine.exec.ModelShape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TestSyntheticSpec {

    @Test
    void parse_allKeys_setsEveryField() {
        SyntheticSpec spec = SyntheticSpec.parse("synthetic:dim=1024,layers=16,heads=16,kvheads=8,hidden=2816,vocab=32000,seq=8192,seed=1");

        assertThat(spec.shape()).isEqualTo(new ModelShape(1024, 2816, 16, 16, 8, 32000, 8192));
        assertThat(spec.seed()).isEqualTo(1);
    }

    @Test
    void parse_bareName_usesDefaults() {
        SyntheticSpec spec = SyntheticSpec.parse("synthetic");

        assertThat(spec.shape()).isEqualTo(new ModelShape(256, 704, 4, 4, 4, 32000, 2048));
        assertThat(spec.seed()).isZero();
    }

    @Test
    void parse_someKeys_derivesTheRest() {
        SyntheticSpec spec = SyntheticSpec.parse("synthetic: dim=768 , layers=2");

        assertThat(spec.numHeads()).isEqualTo(12);
        assertThat(spec.numKvHeads()).isEqualTo(12);
        assertThat(spec.hiddenDim()).isEqualTo(2048);
        assertThat(spec.numLayers()).isEqualTo(2);
    }

    @Test
    void toString_roundTripsThroughParse() {
        SyntheticSpec spec = SyntheticSpec.parse("synthetic:dim=64,heads=4,kvheads=2,vocab=300,seed=-5");

        assertThat(SyntheticSpec.parse(spec.toString())).isEqualTo(spec);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "synthetic:foo=1                  | unknown synthetic model key 'foo'",
            "synthetic:dim=abc                | 'dim' must be a positive integer, got 'abc'",
            "synthetic:layers=0               | 'layers' must be a positive integer",
            "synthetic:dim=64,dim=128         | 'dim' given twice",
            "synthetic:dim                    | not key=value",
            "synthetic:dim=64,                | not key=value",
            "synthetic:dim=100,heads=3        | 'heads' (3) must divide dim (100)",
            "synthetic:dim=64,heads=4,kvheads=3 | 'kvheads' (3) must divide heads (4)",
            "synthetic:vocab=100              | 'vocab' must be in 259",
            "synthetic:seed=x                 | 'seed' must be an integer",
            "synthetic:dim=60,heads=4         | even head size",
            "synthetics                       | not a synthetic model spec",
    })
    void parse_badSpec_rejectsNamingTheKey(String arg, String message) {
        assertThatThrownBy(() -> SyntheticSpec.parse(arg)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void parse_unknownKey_listsValidKeys() {
        assertThatThrownBy(() -> SyntheticSpec.parse("synthetic:depth=3"))
                .hasMessageContaining("valid keys: dim, layers, heads, kvheads, hidden, vocab, seq, seed");
    }
}
