@NullMarked
package io.llumnix.engine.server;

import org.jspecify.annotations.NullMarked;
