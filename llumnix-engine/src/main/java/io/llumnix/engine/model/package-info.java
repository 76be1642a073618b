@NullMarked
package io.llumnix.engine.model;

import org.jspecify.annotations.NullMarked;
