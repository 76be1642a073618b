/**
 * The {@code llumnix} command: picocli subcommands that wire the modules into runnable processes
 * ({@code engine}, {@code generate}, {@code serve}, {@code bench}).
 */
@NullMarked
package io.llumnix.cli;

import org.jspecify.annotations.NullMarked;
