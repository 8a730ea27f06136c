package io.allas.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Channel patterns: {@code *} stands for any run of characters, everything else for itself.
 */
@Tag("unit")
class ChannelAccessTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
        "orders_*,   orders_new,      true",
        "orders_*,   orders_,         true",
        "orders_*,   orders,          false",
        "orders_*,   my_orders_new,   false",
        "*_events,   shipment_events, true",
        "*_events,   _events,         true",
        "*_events,   events,          false",
        "a*b*c,      abc,             true",
        "a*b*c,      axxbyyc,         true",
        "a*b*c,      axxbyycd,        false",
        "a*b*c,      abcbc,           true",
        "*,          anything,        true",
        "orders,     orders,          true",
        "orders,     Orders,          false",
        "o*s*s,      orders_ss,       true",
    })
    void patterns(String pattern, String channel, boolean matches) {
        assertEquals(matches, ChannelAccess.matches(pattern, channel));
    }
}
