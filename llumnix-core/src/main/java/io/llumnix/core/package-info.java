/**
 * The shared model of the whole system: identifiers, sampling parameters, instance status, the injected
 * {@link io.llumnix.core.Clock} and the error codes users can see. Depends on nothing else in the project.
 */
@NullMarked
package io.llumnix.core;

import org.jspecify.annotations.NullMarked;
