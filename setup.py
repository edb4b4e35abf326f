"""The compiled ruin-and-recreate search, built as the extension module ``routing._ruin_recreate``.

Everything else about the package is in pyproject.toml. The extension is
built by ``pip install`` (editable or not) and ``pip wheel``; when it does not
compile, the install fails: nothing is compiled at run time.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "routing._ruin_recreate",
            sources=["routing/_ruin_recreate.c", "routing/_rr_plan.c", "routing/_rr_pool.c", "routing/_rr_route.c",
                     "routing/_ruin_recreate_module.c"],
            depends=["routing/_ruin_recreate.h", "routing/_rr_plan.h", "routing/_rr_route.h"],
            extra_compile_args=["-O2"],
            libraries=["m"],
            optional=False,
        )
    ],
)
