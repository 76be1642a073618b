package io.llumnix.cms;

import static io.llumnix.cms.AbstractTestClusterMetaStore.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class TestStaticDiscovery {

    @Test
    void parse_hostPorts_sortedWithIdsFromAddress() {
        StaticDiscovery d = StaticDiscovery.parse("b.local:8001, a.local:8000,[::1]:9000");

        assertThat(ok(d.discover())).extracting(InstanceMetadata::instanceId)
                .containsExactly("::1:9000", "a.local:8000", "b.local:8001");
        assertThat(ok(d.discover()).get(1).apiPort()).isEqualTo(8000);
    }

    @Test
    void parse_malformed_namesTheEntry() {
        assertThatThrownBy(() -> StaticDiscovery.parse("a.local:8000,nohost"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nohost'");
        assertThatThrownBy(() -> StaticDiscovery.parse("a:99999"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> StaticDiscovery.parse("a:1,a:1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> StaticDiscovery.parse(" , "))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
