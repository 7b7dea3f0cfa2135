function _s3bo_completion;
    set -l response (env _S3BO_COMPLETE=fish_complete COMP_WORDS=(commandline -cp) \
COMP_CWORD=(commandline -t) s3bo);

    for completion in $response;
        set -l metadata (string split -m 1 "," $completion);

        if test $metadata[1] = "dir";
            __fish_complete_directories $metadata[2];
        else if test $metadata[1] = "file";
            __fish_complete_path $metadata[2];
        else if test $metadata[1] = "plain"; or test $metadata[1] = "nospace";
            echo $metadata[2];
        end;
    end;
end;

complete --no-files --command s3bo --arguments \
"(_s3bo_completion)";
