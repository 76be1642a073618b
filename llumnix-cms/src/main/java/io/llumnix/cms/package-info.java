@NullMarked
package io.llumnix.cms;

import org.jspecify.annotations.NullMarked;
